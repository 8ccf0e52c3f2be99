using System.Security.Cryptography;
using System.Text;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Core.Chain.Nodes;

/// <summary>
/// A node's signature over a <see cref="CheckStatement"/>: over "cerebrum-check-statement/1" || SHA-256 of the
/// statement's encoding, with the node's identity key (the key its peer ID names), so every validator and the ledger
/// can check it from the peer ID alone.
/// </summary>
public static class CheckStatements
{
    private static readonly byte[] Domain = Encoding.ASCII.GetBytes("cerebrum-check-statement/1");

    public static CheckStatement Create(PeerId validator, PeerId node, CheckKind kind, ulong height, ReadOnlySpan<byte> transcriptHash) => new()
    {
        Validator = ByteString.CopyFrom(validator.Bytes.Span),
        Node = ByteString.CopyFrom(node.Bytes.Span),
        Kind = kind,
        Height = height,
        TranscriptHash = ByteString.CopyFrom(transcriptHash),
    };

    public static byte[] Sign(PrivateKey node, CheckStatement statement) => node.Sign(SignedBytes(statement));

    /// <summary>Whether <paramref name="signature"/> over <paramref name="statement"/> is by the key in <paramref name="node"/>.</summary>
    public static bool Verify(PeerId node, CheckStatement statement, ReadOnlySpan<byte> signature)
    {
        if (signature.IsEmpty || node.TryGetPublicKey() is not { } key) return false;
        return key.Verify(SignedBytes(statement), signature);
    }

    private static byte[] SignedBytes(CheckStatement statement) => [.. Domain, .. SHA256.HashData(statement.ToByteArray())];
}
