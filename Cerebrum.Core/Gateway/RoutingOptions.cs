namespace Cerebrum.Core.Gateway;

/// <summary>How the gateway picks nodes, when it gives up on one, and when it pushes back.</summary>
public sealed record RoutingOptions
{
    /// <summary>Requests one node may have outstanding for one model; beyond it the node is skipped, and when every node is full the request is refused (429).</summary>
    public int MaxOutstandingPerNode { get; init; } = 64;

    /// <summary>Consecutive failures after which a node's circuit opens and it is skipped.</summary>
    public int FailureThreshold { get; init; } = 3;

    /// <summary>How long an open circuit skips its node before one probe request is let through; doubles per failed probe.</summary>
    public TimeSpan BreakerOpenTime { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Cap on the open time after repeated failed probes.</summary>
    public TimeSpan BreakerMaxOpenTime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Weight of the newest sample in a node's latency moving average (0-1).</summary>
    public double LatencyWeight { get; init; } = 0.2;

    /// <summary>Latency assumed for a node with no sample yet.</summary>
    public TimeSpan InitialLatency { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Upper bound on one attempt on one node, so that a node that hangs leaves time to retry elsewhere within the deadline.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Most nodes tried for one request.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>What a 429 tells the client to wait.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Which nodes a gateway with a ledger routes to: Active ones (the default) or any that announces itself.</summary>
    public NodeAdmission Admission { get; init; } = NodeAdmission.Active;

    /// <summary>
    /// Share of requests (0-1) first offered to Registered nodes not yet Active, so that newcomers earn a record; 0 (the
    /// default) routes only to Active nodes.
    /// </summary>
    public double RegisteredShare { get; init; }

    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public void Validate()
    {
        if (MaxOutstandingPerNode <= 0) throw new ArgumentException($"MaxOutstandingPerNode must be positive, not {MaxOutstandingPerNode}");
        if (FailureThreshold <= 0) throw new ArgumentException($"FailureThreshold must be positive, not {FailureThreshold}");
        if (BreakerOpenTime <= TimeSpan.Zero) throw new ArgumentException($"BreakerOpenTime must be positive, not {BreakerOpenTime}");
        if (BreakerMaxOpenTime < BreakerOpenTime) throw new ArgumentException($"BreakerMaxOpenTime ({BreakerMaxOpenTime}) is shorter than BreakerOpenTime ({BreakerOpenTime})");
        if (LatencyWeight is <= 0 or > 1) throw new ArgumentException($"LatencyWeight must be in (0, 1], not {LatencyWeight}");
        if (InitialLatency <= TimeSpan.Zero) throw new ArgumentException($"InitialLatency must be positive, not {InitialLatency}");
        if (AttemptTimeout <= TimeSpan.Zero) throw new ArgumentException($"AttemptTimeout must be positive, not {AttemptTimeout}");
        if (MaxAttempts <= 0) throw new ArgumentException($"MaxAttempts must be positive, not {MaxAttempts}");
        if (RetryAfter <= TimeSpan.Zero) throw new ArgumentException($"RetryAfter must be positive, not {RetryAfter}");
        if (!Enum.IsDefined(Admission)) throw new ArgumentException($"Admission must be Active or Any, not {Admission}");
        if (RegisteredShare is < 0 or > 1 || double.IsNaN(RegisteredShare)) throw new ArgumentException($"RegisteredShare must be in [0, 1], not {RegisteredShare}");
    }
}
