using System.Buffers.Binary;
using System.Text;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Noise;
using Cerebrum.Core.Network.Noise.Proto;
using Google.Protobuf;

namespace Cerebrum.Tests.Network.Noise;

/// <summary>Raw framing and payload building, for playing a misbehaving peer by hand.</summary>
internal static class NoiseWire
{
    public static async Task WriteFrameAsync(Stream stream, byte[] message)
    {
        var frame = new byte[2 + message.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)message.Length);
        message.CopyTo(frame, 2);
        await stream.WriteAsync(frame);
        await stream.FlushAsync();
    }

    public static async Task<byte[]> ReadFrameAsync(Stream stream)
    {
        var prefix = new byte[2];
        await stream.ReadExactlyAsync(prefix);
        var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
        await stream.ReadExactlyAsync(message);
        return message;
    }

    public static byte[] SignedData(ReadOnlySpan<byte> noiseStaticKey) =>
        [.. Encoding.UTF8.GetBytes("noise-libp2p-static-key:"), .. noiseStaticKey];

    public static byte[] Payload(byte[]? identityKey, byte[]? signature)
    {
        var payload = new NoiseHandshakePayload();
        if (identityKey is not null) payload.IdentityKey = ByteString.CopyFrom(identityKey);
        if (signature is not null) payload.IdentitySig = ByteString.CopyFrom(signature);
        return payload.ToByteArray();
    }

    /// <summary>Plays the responder by hand with a payload built from our static key; returns once message 2 is sent.</summary>
    public static async Task<NoiseHandshakeState> RespondWithAsync(Stream stream, Func<ReadOnlyMemory<byte>, byte[]> payload)
    {
        var state = new NoiseHandshakeState(initiator: false, RandomNoiseKeySource.Instance);
        state.ReadMessage(await ReadFrameAsync(stream));
        await WriteFrameAsync(stream, state.WriteMessage(payload(state.LocalStaticPublicKey)));
        return state;
    }

    /// <summary>Plays the initiator by hand, sending message 3 with the given payload.</summary>
    public static async Task InitiateWithAsync(Stream stream, Func<ReadOnlyMemory<byte>, byte[]> payload)
    {
        using var state = new NoiseHandshakeState(initiator: true, RandomNoiseKeySource.Instance);
        await WriteFrameAsync(stream, state.WriteMessage([]));
        state.ReadMessage(await ReadFrameAsync(stream));
        await WriteFrameAsync(stream, state.WriteMessage(payload(state.LocalStaticPublicKey)));
    }

    public static byte[] HonestPayload(PrivateKey identity, ReadOnlyMemory<byte> noiseStaticKey) =>
        Payload(identity.PublicKey.ToProtobuf(), identity.Sign(SignedData(noiseStaticKey.Span)));
}
