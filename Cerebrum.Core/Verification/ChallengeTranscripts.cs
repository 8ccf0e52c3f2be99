using System.Security.Cryptography;
using System.Text;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Verification.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.Verification;

/// <summary>
/// The node's signature over a challenge transcript: over "cerebrum-challenge-transcript/1" || SHA-256 of the
/// transcript's encoding, with the node's identity key, so the key in its peer ID checks it.
/// </summary>
public static class ChallengeTranscripts
{
    private static readonly byte[] Domain = Encoding.ASCII.GetBytes("cerebrum-challenge-transcript/1");

    public static byte[] Hash(ChallengeTranscript transcript) => SHA256.HashData(transcript.ToByteArray());

    public static byte[] Sign(PrivateKey node, ChallengeTranscript transcript) => node.Sign(SignedBytes(Hash(transcript)));

    /// <summary>Whether <paramref name="signature"/> is the node's (the transcript's node field) over <paramref name="transcriptHash"/>.</summary>
    public static bool Verify(PeerId node, ReadOnlySpan<byte> transcriptHash, ReadOnlySpan<byte> signature)
    {
        if (node.TryGetPublicKey() is not { } key || signature.IsEmpty) return false;
        return key.Verify(SignedBytes(transcriptHash), signature);
    }

    private static byte[] SignedBytes(ReadOnlySpan<byte> transcriptHash) => [.. Domain, .. transcriptHash];
}
