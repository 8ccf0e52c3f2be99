using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Status.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.Inference.Status;

/// <summary>
/// Wraps a <see cref="NodeStatus"/> in a <see cref="SignedNodeStatus"/>: the node's identity key signs
/// <c>"cerebrum-node-status:" || status bytes</c>, and the signed bytes travel as they are (never re-serialized).
/// </summary>
public static class NodeStatusSigning
{
    /// <summary>The domain separator that keeps a status signature from being valid for anything else.</summary>
    public static ReadOnlySpan<byte> Domain => "cerebrum-node-status:"u8;

    public static byte[] SigningBytes(ReadOnlySpan<byte> status) => [.. Domain, .. status];

    /// <summary>The gossip payload: <paramref name="status"/> serialized, signed by <paramref name="key"/>, with its public key.</summary>
    public static byte[] Sign(PrivateKey key, NodeStatus status)
    {
        var bytes = status.ToByteArray();
        return new SignedNodeStatus
        {
            Status = ByteString.CopyFrom(bytes),
            PublicKey = ByteString.CopyFrom(key.PublicKey.ToProtobuf()),
            Signature = ByteString.CopyFrom(key.Sign(SigningBytes(bytes))),
        }.ToByteArray();
    }
}
