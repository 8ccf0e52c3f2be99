using System.Buffers.Binary;
using Cerebrum.Core.Crypto;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Network.Noise;

/// <summary>
/// libp2p's <c>/noise</c> security upgrade: runs the XX handshake with the libp2p identity payload over an insecure
/// stream that multistream-select has already switched to <see cref="ProtocolId"/>, and returns the encrypted channel.
/// Failures throw <see cref="NoiseHandshakeException"/> (or its subclass <see cref="PeerIdMismatchException"/>);
/// the insecure stream stays owned by the caller, who must close it when the handshake fails.
/// </summary>
public static class NoiseSecurity
{
    public const string ProtocolId = "/noise";

    private const int LengthPrefix = 2;

    /// <summary>Runs the handshake as initiator. When <paramref name="expectedRemote"/> is set, the responder must authenticate as it.</summary>
    public static Task<NoiseSecureStream> SecureOutboundAsync(Stream insecure, PrivateKey localIdentity, PeerId? expectedRemote, CancellationToken ct) =>
        SecureOutboundAsync(insecure, localIdentity, expectedRemote, NoiseHandshakeOptions.Default, ct);

    public static Task<NoiseSecureStream> SecureInboundAsync(Stream insecure, PrivateKey localIdentity, CancellationToken ct) =>
        SecureInboundAsync(insecure, localIdentity, NoiseHandshakeOptions.Default, ct);

    public static async Task<NoiseSecureStream> SecureOutboundAsync(
        Stream insecure, PrivateKey localIdentity, PeerId? expectedRemote, NoiseHandshakeOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(insecure);
        ArgumentNullException.ThrowIfNull(localIdentity);
        ArgumentNullException.ThrowIfNull(options);
        using var handshake = new NoiseHandshakeState(initiator: true, options.KeySource);
        try
        {
            // Message 1 has no payload: nothing sent before the responder's ephemeral key could be protected.
            await WriteMessageAsync(insecure, handshake.WriteMessage([]), ct);
            var responderPayload = handshake.ReadMessage(await ReadMessageAsync(insecure, 2, ct));
            var remote = NoisePayload.Verify(responderPayload, handshake.RemoteStaticPublicKey!.Value.Span);
            // Checked before message 3 so our identity is never revealed to the wrong peer.
            if (expectedRemote is not null && remote.PeerId != expectedRemote)
                throw new PeerIdMismatchException(expectedRemote, remote.PeerId);
            var ourPayload = NoisePayload.Create(localIdentity, handshake.LocalStaticPublicKey.Span, options.StreamMuxers);
            await WriteMessageAsync(insecure, handshake.WriteMessage(ourPayload), ct);
            var (send, receive) = handshake.Split();
            options.Logger.LogDebug("Noise outbound handshake complete with {Peer}", remote.PeerId);
            return new NoiseSecureStream(insecure, send, receive, remote);
        }
        catch (NoiseException e)
        {
            options.Logger.LogDebug(e, "Noise outbound handshake failed (expected peer {Peer})", expectedRemote);
            throw;
        }
    }

    public static async Task<NoiseSecureStream> SecureInboundAsync(
        Stream insecure, PrivateKey localIdentity, NoiseHandshakeOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(insecure);
        ArgumentNullException.ThrowIfNull(localIdentity);
        ArgumentNullException.ThrowIfNull(options);
        using var handshake = new NoiseHandshakeState(initiator: false, options.KeySource);
        try
        {
            // Any message-1 payload is unauthenticated and libp2p defines none, so it is ignored.
            handshake.ReadMessage(await ReadMessageAsync(insecure, 1, ct));
            var ourPayload = NoisePayload.Create(localIdentity, handshake.LocalStaticPublicKey.Span, options.StreamMuxers);
            await WriteMessageAsync(insecure, handshake.WriteMessage(ourPayload), ct);
            var initiatorPayload = handshake.ReadMessage(await ReadMessageAsync(insecure, 3, ct));
            var remote = NoisePayload.Verify(initiatorPayload, handshake.RemoteStaticPublicKey!.Value.Span);
            var (send, receive) = handshake.Split();
            options.Logger.LogDebug("Noise inbound handshake complete with {Peer}", remote.PeerId);
            return new NoiseSecureStream(insecure, send, receive, remote);
        }
        catch (NoiseException e)
        {
            options.Logger.LogDebug(e, "Noise inbound handshake failed");
            throw;
        }
    }

    private static async Task WriteMessageAsync(Stream stream, byte[] message, CancellationToken ct)
    {
        var frame = new byte[LengthPrefix + message.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, checked((ushort)message.Length));
        message.CopyTo(frame, LengthPrefix);
        await stream.WriteAsync(frame, ct);
        await stream.FlushAsync(ct);
    }

    // Reads exactly one frame and nothing more, so transport data that follows stays in the stream for the secure channel.
    private static async Task<byte[]> ReadMessageAsync(Stream stream, int number, CancellationToken ct)
    {
        var prefix = new byte[LengthPrefix];
        await ReadExactlyAsync(stream, prefix, number, ct);
        var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
        await ReadExactlyAsync(stream, message, number, ct);
        return message;
    }

    private static async Task ReadExactlyAsync(Stream stream, byte[] buffer, int number, CancellationToken ct)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, ct);
        }
        catch (EndOfStreamException e)
        {
            throw new NoiseHandshakeException($"connection closed while reading Noise handshake message {number}", e);
        }
    }
}
