namespace Cerebrum.Core.Operator.Admin;

/// <summary>
/// The body of <c>GET /validator/checks</c> (validator mode): the checks this validator ran lately, newest first, and the
/// attestations it signed that the ledger holds now (its latest per node and kind).
/// </summary>
public sealed record ValidatorChecksResponse(string Validator, IReadOnlyList<ValidatorCheckResponse> Checks, IReadOnlyList<ValidatorAttestationResponse> Attestations);

/// <summary>
/// One check: <see cref="Kind"/> "hardware", "latency", "canary" or "receipt"; <see cref="Verdict"/> "pass", "fail",
/// "unreachable", or "error" when it broke off before an attestation (<see cref="Detail"/> says why). Figures are 0
/// where the kind measures nothing.
/// </summary>
public sealed record ValidatorCheckResponse(DateTime Time, string Node, string Kind, string Verdict, ulong Height, ulong ThroughputMflops, uint ThroughputPermille,
    uint RttMicros, ulong ProbesAnswered, ulong ProbesSent, ulong CanaryPassed, ulong CanaryFailed, string Detail);

/// <summary>One attestation this validator signed, as the ledger records it.</summary>
public sealed record ValidatorAttestationResponse(string Node, string Kind, string Verdict, ulong Height, ulong ThroughputMflops, uint RttMicros,
    ulong CanaryPassed, ulong CanaryFailed, string Detail);
