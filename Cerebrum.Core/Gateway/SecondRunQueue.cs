using System.Threading.Channels;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Gateway;

/// <summary>
/// The gateway's answered requests sampled for a second run (<see cref="SecondRunOptions.Share"/> of them), waiting for the
/// <see cref="SecondRunner"/>: bounded by count and by bytes, and never waited on: a request that does not fit is dropped
/// and counted, so second runs never slow the client's answer nor grow memory under load.
/// </summary>
public sealed class SecondRunQueue
{
    private readonly SecondRunOptions _options;
    private readonly Random _random;
    private readonly Lock _randomGate = new(); // Random instances other than Random.Shared are not thread-safe
    private readonly Channel<SecondRunRequest> _waiting;
    private long _queuedBytes;
    private long _sampled;
    private long _dropped;

    /// <param name="random">Draws the sample (a seeded one in tests); Random.Shared by default.</param>
    public SecondRunQueue(SecondRunOptions options, Random? random = null)
    {
        options.Validate();
        _options = options;
        _random = random ?? Random.Shared;
        _waiting = Channel.CreateBounded<SecondRunRequest>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the caller drops, nothing waits
            SingleReader = true,
        });
    }

    /// <summary>Whether any request is sampled at all.</summary>
    public bool Enabled => _options.Share > 0;

    /// <summary>Requests sampled for a second run (queued or dropped).</summary>
    public long Sampled => Interlocked.Read(ref _sampled);

    /// <summary>Sampled requests dropped because the queue was full (by count or bytes).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Requests waiting now.</summary>
    public int Count => _waiting.Reader.Count;

    /// <summary>Raised for each sampled request dropped (the metrics count it).</summary>
    public event Action? RequestDropped;

    /// <summary>
    /// Samples an answered request: with probability <see cref="SecondRunOptions.Share"/> it is queued for a second run;
    /// returns whether it was (false also when it was sampled but the queue is full, which counts it as dropped).
    /// </summary>
    public bool Offer(string modelHash, IReadOnlyList<Tensor> inputs, PeerId firstNode, InferCallResult first)
    {
        if (!Enabled || first.Receipt is null) return false;
        double draw;
        lock (_randomGate) draw = _random.NextDouble();
        if (draw >= _options.Share) return false;
        Interlocked.Increment(ref _sampled);
        var bytes = inputs.Sum(t => (long)t.Data.Length) + first.Outputs.Sum(t => (long)t.Data.Length);
        if (Interlocked.Add(ref _queuedBytes, bytes) > _options.MaxQueuedBytes || !_waiting.Writer.TryWrite(new SecondRunRequest(modelHash, inputs, firstNode, first, bytes)))
        {
            Interlocked.Add(ref _queuedBytes, -bytes);
            Interlocked.Increment(ref _dropped);
            RequestDropped?.Invoke();
            return false;
        }
        return true;
    }

    /// <summary>The waiting requests, in order, until <paramref name="ct"/> is cancelled (one reader).</summary>
    public async IAsyncEnumerable<SecondRunRequest> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var request in _waiting.Reader.ReadAllAsync(ct))
        {
            Interlocked.Add(ref _queuedBytes, -request.Bytes);
            yield return request;
        }
    }
}
