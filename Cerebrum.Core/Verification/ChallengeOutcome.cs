using Cerebrum.Core.Verification.Proto;

namespace Cerebrum.Core.Verification;

/// <summary>
/// A finished hardware challenge: the verdict with the reason, the validator's measured time, the throughput it implies
/// (integer MFLOPS and per-mille of the claim, as attestations carry them) and, when the node completed the exchange,
/// the transcript and the node's signature over it.
/// </summary>
public sealed record ChallengeOutcome(
    ChallengeVerdict Verdict,
    string Detail,
    TimeSpan Elapsed,
    ulong MeasuredMflops,
    uint ThroughputPermille,
    ChallengeTranscript? Transcript,
    byte[]? TranscriptSignature)
{
    public bool Passed => Verdict == ChallengeVerdict.Passed;
}
