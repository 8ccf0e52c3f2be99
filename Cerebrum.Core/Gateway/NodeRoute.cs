using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Status;

namespace Cerebrum.Core.Gateway;

/// <summary>
/// One node serving one model, as the gateway sees it: what the node's latest heartbeat announced (price, free slots,
/// queue depth) and what the gateway measured (requests outstanding, latency moving average, recent failures through a
/// <see cref="CircuitBreaker"/>). Survives heartbeat refreshes, so the measurements accumulate. Thread-safe.
/// </summary>
public sealed class NodeRoute
{
    private readonly Lock _gate = new();
    private readonly double _latencyWeight;
    private double _latencyMs;
    private int _outstanding;
    private long _served;
    private long _failed;

    public NodeRoute(PeerId node, ServedModel model, RoutingOptions options)
    {
        Node = node;
        Model = model;
        _latencyWeight = options.LatencyWeight;
        _latencyMs = options.InitialLatency.TotalMilliseconds;
        Breaker = new CircuitBreaker(options.FailureThreshold, options.BreakerOpenTime, options.BreakerMaxOpenTime);
    }

    public PeerId Node { get; }

    /// <summary>The model as this node announced it (its hash is what the node is asked to run).</summary>
    public ServedModel Model { get; private set; }

    /// <summary>Micro-CER per request, from the node's heartbeat.</summary>
    public ulong PricePerRequest { get; private set; }

    public uint AdvertisedFreeSlots { get; private set; }

    public uint AdvertisedQueueDepth { get; private set; }

    public CircuitBreaker Breaker { get; }

    public int Outstanding => Volatile.Read(ref _outstanding);

    public long Served => Interlocked.Read(ref _served);

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Exponentially weighted moving average of successful attempts' durations.</summary>
    public TimeSpan Latency
    {
        get { lock (_gate) return TimeSpan.FromMilliseconds(_latencyMs); }
    }

    /// <summary>Updates what the node announced.</summary>
    public void Refresh(ServedModel model, ulong pricePerRequest, uint freeSlots, uint queueDepth)
    {
        Model = model;
        PricePerRequest = pricePerRequest;
        AdvertisedFreeSlots = freeSlots;
        AdvertisedQueueDepth = queueDepth;
    }

    /// <summary>Reserves one outstanding slot unless <paramref name="limit"/> are already taken.</summary>
    public bool TryBegin(int limit)
    {
        while (true)
        {
            var current = Volatile.Read(ref _outstanding);
            if (current >= limit) return false;
            if (Interlocked.CompareExchange(ref _outstanding, current + 1, current) == current) return true;
        }
    }

    public void End() => Interlocked.Decrement(ref _outstanding);

    public void RecordSuccess(TimeSpan elapsed)
    {
        Interlocked.Increment(ref _served);
        lock (_gate)
            _latencyMs += _latencyWeight * (elapsed.TotalMilliseconds - _latencyMs);
        Breaker.RecordSuccess();
    }

    public void RecordFailure(DateTimeOffset now)
    {
        Interlocked.Increment(ref _failed);
        Breaker.RecordFailure(now);
    }

    public override string ToString() => $"{Node} ({Model.Name})";
}
