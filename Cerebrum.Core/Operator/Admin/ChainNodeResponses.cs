namespace Cerebrum.Core.Operator.Admin;

/// <summary>
/// The body of <c>GET /chain/nodes/{peerId}</c>: a registered node as the ledger has it. <see cref="State"/> is
/// "registered", "active" or "jailed"; ppm figures are parts per million, per-mille figures parts per thousand;
/// <see cref="LatencyMicros"/> is the stake-weighted median of the validators' least round trips, each of which
/// <see cref="Latencies"/> lists.
/// </summary>
public sealed record ChainNodeResponse(
    string PeerId,
    string State,
    ulong Stake,
    uint ReputationPpm,
    string Hardware,
    string Region,
    ulong ClaimedMflops,
    bool Gpu,
    ulong AttestedMflops,
    uint ThroughputPermille,
    uint ClassPermille,
    uint LatencyMicros,
    IReadOnlyList<ChainNodeLatency> Latencies,
    ulong CanaryPassed,
    ulong CanaryFailed,
    uint CanaryPassPpm,
    uint AvailabilityPpm,
    ulong LastAttestationHeight,
    ulong RegisteredHeight,
    ulong ActivatedHeight,
    DateTime? JailedUntil,
    uint JailCount,
    ulong Slashed,
    IReadOnlyList<string> Models,
    IReadOnlyList<ChainNodeCheck> Checks);

/// <summary>One validator's latest latency figure for the node.</summary>
public sealed record ChainNodeLatency(string Validator, uint RttMicros, string Verdict, ulong Height);

/// <summary>One validator's latest attestation of one kind ("hardware", "latency", "canary") about the node.</summary>
public sealed record ChainNodeCheck(string Validator, string Kind, string Verdict, ulong Height, string Detail);

/// <summary>One row of <c>GET /chain/nodes</c>.</summary>
public sealed record ChainNodeSummary(
    string PeerId,
    string State,
    ulong Stake,
    uint ReputationPpm,
    string Hardware,
    ulong AttestedMflops,
    uint ThroughputPermille,
    uint LatencyMicros,
    ulong LastAttestationHeight);
