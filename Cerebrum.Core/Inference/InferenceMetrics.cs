namespace Cerebrum.Core.Inference;

/// <summary>
/// The Inference layer's meter and instrument names, published by an <see cref="InferenceEngine"/> (and a node's
/// <see cref="Protocol.InferProtocolHandler"/>) given an <see cref="System.Diagnostics.Metrics.IMeterFactory"/>
/// (see <see cref="Network.NetworkMetrics"/> for why a factory). Every per-model series is tagged <c>model</c> (its name).
/// </summary>
public static class InferenceMetrics
{
    public const string MeterName = "Cerebrum.Inference";

    /// <summary>
    /// Observable counter: requests the engine settled, tagged <c>model</c> and <c>outcome</c> = completed | busy |
    /// deadline_exceeded | failed (the scheduler's <see cref="ModelStatistics"/>).
    /// </summary>
    public const string Requests = "cerebrum.inference.requests";

    /// <summary>Observable counter: ONNX Runtime runs (fewer than completed requests when batching merges them).</summary>
    public const string Runs = "cerebrum.inference.runs";

    /// <summary>Gauge: requests waiting to run.</summary>
    public const string QueueDepth = "cerebrum.inference.queue.depth";

    /// <summary>Gauge: runs in progress.</summary>
    public const string Running = "cerebrum.inference.running";

    /// <summary>Histogram, seconds: a completed request's latency in the engine, queueing plus compute.</summary>
    public const string Duration = "cerebrum.inference.duration";

    /// <summary>
    /// Observable counter: jobs a node answered over the network, tagged <c>outcome</c> = served or the error
    /// (unknown_model, bad_input, busy, deadline_exceeded, internal, resource_exhausted).
    /// </summary>
    public const string Jobs = "cerebrum.inference.jobs";

    /// <summary>Gauge: network jobs being answered.</summary>
    public const string JobsInFlight = "cerebrum.inference.jobs.in_flight";

    /// <summary>Gauge, bytes: what jobs in flight hold of the node's budget (requests and predicted outputs; see <c>Node:Limits</c>).</summary>
    public const string BytesInFlight = "cerebrum.inference.jobs.bytes_in_flight";

    internal const string ModelTag = "model";
    internal const string OutcomeTag = "outcome";
}
