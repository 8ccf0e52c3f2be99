using System.Threading.Channels;

namespace Cerebrum.Core.Chain.Gossip;

/// <summary>
/// Collects the transactions this daemon admits and publishes them on <c>cerebrum/1/txs</c> as few messages as
/// possible: the first waits <see cref="TransactionGossipOptions.MaxDelay"/> for company, then everything pending goes
/// out in messages within the size limits. A lone transaction is published as its plain SignedTransaction encoding.
/// </summary>
public sealed class TransactionGossipBatcher
{
    private readonly TransactionGossipOptions _options;
    private readonly TimeProvider _time;
    private readonly Channel<byte[]> _pending;

    public TransactionGossipBatcher(TransactionGossipOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _options = options.Validate();
        _time = time;
        _pending = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(options.MaxPending)
        {
            SingleReader = true,
            // Wait: TryWrite then says false when full (DropWrite would report a dropped item as written).
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Queues an admitted transaction for gossip; false when too many are pending (it is then not gossiped).</summary>
    public bool Enqueue(byte[] encoded) => _pending.Writer.TryWrite(encoded);

    /// <summary>Publishes queued transactions through <paramref name="publish"/> until cancelled.</summary>
    public async Task RunAsync(Func<byte[], CancellationToken, Task> publish, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(publish);
        var drained = new List<byte[]>();
        while (await _pending.Reader.WaitToReadAsync(cancellationToken))
        {
            if (_options.MaxDelay > TimeSpan.Zero) await Task.Delay(_options.MaxDelay, _time, cancellationToken);
            while (_pending.Reader.TryRead(out var tx)) drained.Add(tx);
            foreach (var run in TransactionGossipCodec.Split(drained, _options.MaxTransactionsPerMessage, _options.MaxBytesPerMessage))
                await publish(TransactionGossipCodec.Encode(run), cancellationToken);
            drained.Clear();
        }
    }
}
