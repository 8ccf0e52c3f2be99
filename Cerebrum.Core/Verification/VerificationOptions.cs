namespace Cerebrum.Core.Verification;

/// <summary>
/// How a validator checks nodes (<see cref="NodeVerifier"/>): at onboarding at once, then at random (exponential)
/// intervals whose means keep the checks of all validators together within <see cref="CapacityShare"/> of each node's
/// capacity.
/// </summary>
public sealed record VerificationOptions
{
    public ChallengePolicy Challenge { get; init; } = new();

    /// <summary>The share of a node's time all validators' hardware checks may take together (the 2 %).</summary>
    public double CapacityShare { get; init; } = 0.02;

    /// <summary>
    /// Mean time between this validator's hardware checks of one node. Default: validators × the challenge's target
    /// duration / <see cref="CapacityShare"/> (four validators, 250 ms: 50 s).
    /// </summary>
    public TimeSpan? HardwareInterval { get; init; }

    /// <summary>Mean time between this validator's latency probes of one node (pings and a tiny inference: negligible load).</summary>
    public TimeSpan LatencyInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Pings per latency probe; the least round trip is the node's figure and the network allowance of its challenges.</summary>
    public int PingSamples { get; init; } = 5;

    /// <summary>How long the probe's tiny inference may take.</summary>
    public TimeSpan ProbeDeadline { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait for any other step of a check (dialing included).</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How often the schedule is looked at.</summary>
    public TimeSpan Tick { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often this validator's new attestations are recorded on the ledger (one Attest transaction).</summary>
    public TimeSpan AttestInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Checks run at the same time.</summary>
    public int MaxConcurrentChecks { get; init; } = 2;

    /// <summary>Node side: the longest challenge run it grants, at its claimed throughput (bigger offers are refused).</summary>
    public TimeSpan NodeLongestRun { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Node side: the share of its time it lets all validators' checks take over ten minutes before refusing (above the validators' own 2 %).</summary>
    public double NodeCapacityCap { get; init; } = 0.05;

    /// <summary>
    /// Mean time between this validator's canaries to one node (paid jobs from a throwaway identity, when the validator holds
    /// one of the node's models); each is also held to this validator's share of <see cref="CapacityShare"/> of the node's
    /// time, counted as its own run's compute time over ten minutes.
    /// </summary>
    public TimeSpan CanaryInterval { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Mean of the random (exponential) delay before a canary's counts are recorded on the ledger (canary attestations are
    /// not gossiped): a record right after each job would tell the node which job was the canary. Zero: the next record.
    /// </summary>
    public TimeSpan CanaryRecordDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Canaries from one throwaway identity before the next one takes over (a new key, account and channel).</summary>
    public int CanaryRotation { get; init; } = 50;

    /// <summary>What a throwaway identity is funded with (its channel deposits and fees), in micro-CER.</summary>
    public ulong CanaryFunding { get; init; } = 10_000;

    /// <summary>Disputes this validator files per hour at most (each costs the evidence fee and every validator a re-execution).</summary>
    public int MaxDisputesPerHour { get; init; } = 6;

    /// <summary>The largest evidence (inputs and outputs) this validator files or re-executes, in bytes.</summary>
    public int MaxDisputeBytes { get; init; } = 256 * 1024;

    /// <summary>This validator's place ("LAT,LON"), from which its round trips can refute nodes' region claims; none: no refutation.</summary>
    public string? Location { get; init; }

    /// <exception cref="ArgumentException">The first setting out of range.</exception>
    public VerificationOptions Validate()
    {
        Challenge.Validate();
        if (CapacityShare is <= 0 or > 0.5) throw new ArgumentException("CapacityShare must be within (0, 0.5]");
        if (HardwareInterval is { } interval && interval <= TimeSpan.Zero) throw new ArgumentException("HardwareInterval must be positive");
        if (LatencyInterval <= TimeSpan.Zero) throw new ArgumentException("LatencyInterval must be positive");
        if (PingSamples is < 1 or > 100) throw new ArgumentException("PingSamples must be 1..100");
        if (ProbeDeadline <= TimeSpan.Zero || StepTimeout <= TimeSpan.Zero || Tick <= TimeSpan.Zero || AttestInterval <= TimeSpan.Zero)
            throw new ArgumentException("ProbeDeadline, StepTimeout, Tick and AttestInterval must be positive");
        if (NodeLongestRun <= TimeSpan.Zero || NodeLongestRun > TimeSpan.FromMinutes(10)) throw new ArgumentException("NodeLongestRun must be within (0, 10 min]");
        if (NodeCapacityCap is <= 0 or > 1) throw new ArgumentException("NodeCapacityCap must be within (0, 1]");
        if (MaxConcurrentChecks is < 1 or > 64) throw new ArgumentException("MaxConcurrentChecks must be 1..64");
        if (CanaryInterval <= TimeSpan.Zero) throw new ArgumentException("CanaryInterval must be positive");
        if (CanaryRotation < 1) throw new ArgumentException("CanaryRotation must be at least 1");
        if (CanaryRecordDelay < TimeSpan.Zero) throw new ArgumentException("CanaryRecordDelay must not be negative");
        if (MaxDisputesPerHour < 0) throw new ArgumentException("MaxDisputesPerHour must not be negative");
        if (MaxDisputeBytes is < 1024 or > 4 * 1024 * 1024) throw new ArgumentException("MaxDisputeBytes must be 1 KiB..4 MiB");
        if (Location is not null && !GeoPoint.TryParse(Location, out _)) throw new ArgumentException($"Location must be \"LAT,LON\" in degrees, not '{Location}'");
        return this;
    }

    /// <summary>The mean hardware-check interval with <paramref name="validators"/> validators checking.</summary>
    public TimeSpan HardwareIntervalFor(int validators) =>
        HardwareInterval ?? Challenge.TargetDuration * Math.Max(1, validators) / CapacityShare;
}
