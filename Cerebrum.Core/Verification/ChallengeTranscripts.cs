using System.Security.Cryptography;
using Cerebrum.Core.Chain.Nodes;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Verification.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.Verification;

/// <summary>
/// How a node signs a challenge it completed: a <see cref="CheckStatement"/> (validator, node, kind, height) over
/// SHA-256 of the transcript's encoding, which the validator's attestation carries to the ledger.
/// </summary>
public static class ChallengeTranscripts
{
    public static byte[] Hash(ChallengeTranscript transcript) => SHA256.HashData(transcript.ToByteArray());

    public static CheckStatement Statement(ChallengeTranscript transcript) => new()
    {
        Validator = transcript.Validator,
        Node = transcript.Node,
        Kind = transcript.Kind,
        Height = transcript.Height,
        TranscriptHash = ByteString.CopyFrom(Hash(transcript)),
    };

    public static byte[] Sign(PrivateKey node, ChallengeTranscript transcript) => CheckStatements.Sign(node, Statement(transcript));

    /// <summary>Whether <paramref name="signature"/> is <paramref name="node"/>'s over the transcript's statement.</summary>
    public static bool Verify(PeerId node, ChallengeTranscript transcript, ReadOnlySpan<byte> signature) =>
        CheckStatements.Verify(node, Statement(transcript), signature);
}
