using Cerebrum.Core.Inference.Protocol;

namespace Cerebrum.Daemon.Configuration;

/// <summary>The "Node:Limits" section: bytes of inference jobs a node holds in flight (see <see cref="InferByteBudget"/>).</summary>
public sealed record NodeLimitsOptions
{
    /// <summary>All peers together: requests being read or run and answers being written, in bytes.</summary>
    public long MaxBytesInFlight { get; init; } = InferBudgetOptions.DefaultMaxBytes;

    /// <summary>One peer over all its streams; also the largest single job (request plus predicted outputs).</summary>
    public long MaxBytesInFlightPerPeer { get; init; } = InferBudgetOptions.DefaultMaxBytesPerPeer;

    public InferBudgetOptions ToBudgetOptions() => new(MaxBytesInFlight, MaxBytesInFlightPerPeer);
}
