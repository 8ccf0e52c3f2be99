using System.Threading.Channels;
using Cerebrum.Core.Chain.Gossip;
using Cerebrum.Core.Chain.Transactions;

namespace Cerebrum.Tests.Chain.Gossip;

[TestFixture]
public sealed class TransactionGossipBatcherTests
{
    [Test]
    public async Task Pending_transactions_go_out_in_as_few_messages_as_the_limits_allow()
    {
        using var chain = new ChainFixture();
        var txs = Enumerable.Range(0, 3).Select(n => Txs.Transfer(chain.Alice, (ulong)n, chain.Bob.PeerId, 1)).ToList();
        var batcher = new TransactionGossipBatcher(new TransactionGossipOptions { MaxDelay = TimeSpan.Zero, MaxTransactionsPerMessage = 2 }, TimeProvider.System);
        foreach (var tx in txs) Assert.That(batcher.Enqueue(tx), Is.True);
        var published = Channel.CreateUnbounded<byte[]>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var run = batcher.RunAsync((payload, _) =>
        {
            published.Writer.TryWrite(payload);
            return Task.CompletedTask;
        }, timeout.Token);

        var first = await published.Reader.ReadAsync(timeout.Token);
        var second = await published.Reader.ReadAsync(timeout.Token);
        Assert.That(TransactionGossipCodec.TryDecode(first, 10, out var batch, out _), Is.True);
        Assert.That(batch, Is.EqualTo(txs.Take(2)));
        // The remainder is alone: published as the plain SignedTransaction encoding.
        Assert.That(second, Is.EqualTo(txs[2]));

        await timeout.CancelAsync();
        Assert.That(async () => await run, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(published.Reader.TryRead(out _), Is.False);
    }

    [Test]
    public void A_full_queue_refuses_more()
    {
        var batcher = new TransactionGossipBatcher(new TransactionGossipOptions { MaxPending = 1 }, TimeProvider.System);
        Assert.That(batcher.Enqueue([1]), Is.True);
        Assert.That(batcher.Enqueue([2]), Is.False);
    }

    [Test]
    public void Options_out_of_range_are_refused_by_name()
    {
        Assert.That(() => new TransactionGossipOptions { MaxDelay = TimeSpan.FromSeconds(-1) }.Validate(), Throws.ArgumentException.With.Message.Contains("MaxDelay"));
        Assert.That(() => new TransactionGossipOptions { MaxTransactionsPerMessage = 0 }.Validate(), Throws.ArgumentException.With.Message.Contains("MaxTransactionsPerMessage"));
        Assert.That(() => new TransactionGossipOptions { MaxBytesPerMessage = 2 * 1024 * 1024 }.Validate(), Throws.ArgumentException.With.Message.Contains("MaxBytesPerMessage"));
        Assert.That(() => new TransactionGossipOptions { MaxPending = 0 }.Validate(), Throws.ArgumentException.With.Message.Contains("MaxPending"));
        Assert.That(() => new TransactionGossipOptions { MaxTransactionsReceived = 10, MaxTransactionsPerMessage = 20 }.Validate(), Throws.ArgumentException.With.Message.Contains("MaxTransactionsReceived"));
        Assert.That(new TransactionGossipOptions().Validate().MaxDelay, Is.EqualTo(TimeSpan.FromMilliseconds(5)));
    }
}
