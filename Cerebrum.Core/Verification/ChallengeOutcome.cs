using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Verification.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.Verification;

/// <summary>
/// A finished hardware challenge: the verdict with the reason, the validator's measured time, the throughput it implies
/// (integer MFLOPS and per-mille of the claim, as attestations carry them) and, when the node completed the exchange
/// with a valid signature, the transcript and the node's signature over its statement.
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

    /// <summary>
    /// The validator's attestation (unsigned) of this outcome: PASS, FAIL when the node signed what it answered, and
    /// UNREACHABLE when it did not complete the exchange (so there is no statement of the node to carry). The height is
    /// the challenge's (the transcript's, when there is one).
    /// </summary>
    public Attestation ToAttestation(Crypto.PeerId validator, Crypto.PeerId node, ulong height, CheckKind kind = CheckKind.Hardware)
    {
        var signed = Transcript is not null && TranscriptSignature is not null;
        if (signed) kind = Transcript!.Kind;
        var attestation = new Attestation
        {
            Validator = ByteString.CopyFrom(validator.Bytes.Span),
            Node = ByteString.CopyFrom(node.Bytes.Span),
            Kind = kind,
            Height = signed ? Transcript!.Height : height,
            Verdict = Passed ? CheckVerdict.Pass : signed ? CheckVerdict.Fail : CheckVerdict.Unreachable,
            ThroughputMflops = signed && kind == CheckKind.Hardware ? MeasuredMflops : 0,
            ThroughputPermille = signed && kind == CheckKind.Hardware ? ThroughputPermille : 0,
            Detail = Chain.Nodes.AttestationSigning.TruncateDetail(Detail),
        };
        if (signed)
        {
            attestation.Statement = ChallengeTranscripts.Statement(Transcript!);
            attestation.NodeSignature = ByteString.CopyFrom(TranscriptSignature);
        }
        return attestation;
    }
}
