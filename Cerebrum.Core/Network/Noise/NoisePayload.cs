using System.Text;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Noise.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.Network.Noise;

/// <summary>
/// The libp2p handshake payload: identity key plus its signature over "noise-libp2p-static-key:" || the Noise static
/// key, which binds the (possibly per-connection) X25519 key to the peer's long-term libp2p identity.
/// </summary>
internal static class NoisePayload
{
    private static readonly byte[] SignaturePrefix = Encoding.UTF8.GetBytes("noise-libp2p-static-key:");

    public static byte[] Create(PrivateKey identity, ReadOnlySpan<byte> noiseStaticPublicKey, IReadOnlyList<string>? streamMuxers)
    {
        var payload = new NoiseHandshakePayload
        {
            IdentityKey = ByteString.CopyFrom(identity.PublicKey.ToProtobuf()),
            IdentitySig = ByteString.CopyFrom(identity.Sign(SignedData(noiseStaticPublicKey))),
        };
        // Extensions only when there is something to say: peers without muxer early data expect fields 1 and 2 only.
        if (streamMuxers is { Count: > 0 })
        {
            payload.Extensions = new NoiseExtensions();
            payload.Extensions.StreamMuxers.Add(streamMuxers);
        }
        return payload.ToByteArray();
    }

    /// <summary>Authenticates the peer's payload against the static key it proved possession of in the handshake.</summary>
    public static NoiseRemoteIdentity Verify(ReadOnlySpan<byte> encoded, ReadOnlySpan<byte> remoteNoiseStaticKey)
    {
        NoiseHandshakePayload payload;
        try
        {
            payload = NoiseHandshakePayload.Parser.ParseFrom(encoded);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new NoiseHandshakeException("remote handshake payload is not a valid NoiseHandshakePayload protobuf", e);
        }
        if (!payload.HasIdentityKey || payload.IdentityKey.IsEmpty)
            throw new NoiseHandshakeException("remote handshake payload carries no identity key");
        if (!payload.HasIdentitySig || payload.IdentitySig.IsEmpty)
            throw new NoiseHandshakeException("remote handshake payload carries no identity signature");

        PublicKey key;
        try
        {
            key = PublicKey.FromProtobuf(payload.IdentityKey.Span);
        }
        catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException)
        {
            throw new NoiseHandshakeException($"remote identity key is unsupported or malformed: {e.Message}", e);
        }
        if (!key.Verify(SignedData(remoteNoiseStaticKey), payload.IdentitySig.Span))
            throw new NoiseHandshakeException($"remote identity signature does not verify: the {key.Type} identity key did not sign this Noise static key");
        return new NoiseRemoteIdentity(key, key.ToPeerId(), payload.Extensions);
    }

    private static byte[] SignedData(ReadOnlySpan<byte> noiseStaticPublicKey) => [.. SignaturePrefix, .. noiseStaticPublicKey];
}
