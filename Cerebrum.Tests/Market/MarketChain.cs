using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Storage;
using Cerebrum.Tests.Chain;
using Cerebrum.Tests.Daemon;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cerebrum.Tests.Market;

/// <summary>
/// A chain (<see cref="ChainFixture"/>: Alice pays, Bob is the node, Carol anyone else) with market stores for the node
/// and the payer in temporary directories, a fake clock, and helpers to open channels.
/// </summary>
internal sealed class MarketChain : IAsyncDisposable
{
    private readonly TemporaryDirectory _directory = TemporaryDirectory.Create();

    public MarketChain()
    {
        NodeStore = OpenStore("node");
        PayerStore = OpenStore("payer");
    }

    public ChainFixture Chain { get; } = new();

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));

    public PrivateKey Payer => Chain.Alice;

    public PrivateKey Node => Chain.Bob;

    public MarketStore NodeStore { get; private set; }

    public MarketStore PayerStore { get; private set; }

    public string NodeDirectory => Path.Combine(_directory.Path, "node");

    public MarketStore OpenStore(string name) => MarketStore.Open(Path.Combine(_directory.Path, name), NullLogger.Instance);

    /// <summary>Closes and reopens the node's store (a restart).</summary>
    public async Task<MarketStore> ReopenNodeStoreAsync()
    {
        await NodeStore.DisposeAsync();
        return NodeStore = OpenStore("node");
    }

    /// <summary>Opens a channel from <paramref name="payer"/> (Alice by default) to <paramref name="node"/> (Bob) and commits it.</summary>
    public byte[] OpenChannel(ulong deposit, PrivateKey? payer = null, PrivateKey? node = null)
    {
        var from = payer ?? Payer;
        var nonce = Chain.Node.GetNextNonce(from.PeerId);
        Chain.Submit(Txs.OpenChannel(from, nonce, (node ?? Node).PeerId, deposit));
        Chain.CommitNext();
        return PaymentIds.Channel(from.PeerId, nonce);
    }

    public void Commit(params byte[][] txs)
    {
        foreach (var tx in txs) Chain.Submit(tx);
        Chain.CommitNext();
    }

    /// <summary>The chain's proposer for tests with live payers and nodes: a block whenever transactions wait, until <paramref name="stop"/>.</summary>
    public async Task ProduceBlocksAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
                if (Chain.Node.PendingTransactions > 0) Chain.CommitNext();
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await NodeStore.DisposeAsync();
        await PayerStore.DisposeAsync();
        Chain.Dispose();
        _directory.Dispose();
    }
}
