namespace Cerebrum.Core.Gateway;

/// <summary>
/// The Gateway layer's meter and instrument names: dispatches are published by an <see cref="InferDispatcher"/> given
/// an <see cref="System.Diagnostics.Metrics.IMeterFactory"/> (see <see cref="Network.NetworkMetrics"/> for why a
/// factory), HTTP requests by the daemon's gateway HTTP server.
/// </summary>
public static class GatewayMetrics
{
    public const string MeterName = "Cerebrum.Gateway";

    /// <summary>Counter: HTTP requests answered, tagged <c>status</c> (the status code, e.g. "200", "429").</summary>
    public const string Requests = "cerebrum.gateway.requests";

    /// <summary>
    /// Counter: inference requests dispatched to nodes, tagged <c>outcome</c> = ok | cancelled | the error kind
    /// (bad_request, unknown_model, no_capacity, no_node, deadline_exceeded, …).
    /// </summary>
    public const string Dispatches = "cerebrum.gateway.dispatches";

    /// <summary>Histogram, seconds: a dispatch from the first node selection to its answer or error, retries included.</summary>
    public const string DispatchDuration = "cerebrum.gateway.dispatch.duration";

    /// <summary>
    /// Counter: sampled second runs (Gateway:SecondRuns), tagged <c>outcome</c> = agreed | mismatch (both answers filed as
    /// disputes) | failed (the second node did not answer) | no_node (no other node to run it on) | dropped (the queue was full).
    /// </summary>
    public const string SecondRuns = "cerebrum.gateway.second_runs";

    public const string StatusTag = "status";

    internal const string OutcomeTag = "outcome";
}
