using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Noise;
using Cerebrum.Core.Network.Yamux;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Network;

/// <summary>
/// Raw connection to secured, multiplexed connection: multistream-select /noise, Noise XX, then Yamux. The muxer is
/// agreed inside the Noise handshake when both sides list theirs in the payload's extensions (libp2p's early muxer
/// negotiation, which js-libp2p and go-libp2p do); otherwise by multistream-select /yamux/1.0.0 over Noise, which
/// costs one more round trip.
/// </summary>
internal static class ConnectionUpgrader
{
    public const string MuxerProtocol = "/yamux/1.0.0";

    private static readonly IReadOnlyList<string> LocalMuxers = [MuxerProtocol];

    public static async Task<(NoiseSecureStream Secure, YamuxSession Session)> UpgradeOutboundAsync(
        Stream raw, PrivateKey identity, INoiseKeySource noiseKeys, PeerId? expectedRemote, YamuxOptions yamux, ILogger logger, CancellationToken ct)
    {
        // /noise is our only security protocol, so propose it optimistically with Noise's first message behind it.
        var negotiated = MultistreamSelect.SelectLazy(raw, NoiseSecurity.ProtocolId);
        var secure = await NoiseSecurity.SecureOutboundAsync(negotiated, identity, expectedRemote, HandshakeOptions(noiseKeys, logger), ct).ConfigureAwait(false);
        try
        {
            if (SelectEarlyMuxer(LocalMuxers, RemoteMuxers(secure)) is null)
                await MultistreamSelect.SelectAsync(secure, [MuxerProtocol], ct).ConfigureAwait(false);
            return (secure, new YamuxSession(secure, isInitiator: true, yamux, logger));
        }
        catch
        {
            await secure.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public static async Task<(NoiseSecureStream Secure, YamuxSession Session)> UpgradeInboundAsync(
        Stream raw, PrivateKey identity, INoiseKeySource noiseKeys, YamuxOptions yamux, ILogger logger, CancellationToken ct)
    {
        await MultistreamSelect.HandleAsync(raw, p => p == NoiseSecurity.ProtocolId, [NoiseSecurity.ProtocolId], ct).ConfigureAwait(false);
        var secure = await NoiseSecurity.SecureInboundAsync(raw, identity, HandshakeOptions(noiseKeys, logger), ct).ConfigureAwait(false);
        try
        {
            if (SelectEarlyMuxer(RemoteMuxers(secure), LocalMuxers) is null)
                await MultistreamSelect.HandleAsync(secure, p => p == MuxerProtocol, [MuxerProtocol], ct).ConfigureAwait(false);
            return (secure, new YamuxSession(secure, isInitiator: false, yamux, logger));
        }
        catch
        {
            await secure.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The muxer both sides agreed on in the handshake: the initiator's first choice that the responder also lists.
    /// Null when either side listed none (then multistream-select decides).
    /// </summary>
    /// <exception cref="ProtocolNotSupportedException">Both listed muxers, but none in common.</exception>
    internal static string? SelectEarlyMuxer(IReadOnlyList<string> initiatorMuxers, IReadOnlyList<string> responderMuxers)
    {
        if (initiatorMuxers.Count == 0 || responderMuxers.Count == 0)
            return null;
        foreach (var muxer in initiatorMuxers)
        {
            if (responderMuxers.Contains(muxer, StringComparer.Ordinal))
                return muxer;
        }
        throw new ProtocolNotSupportedException([.. initiatorMuxers]);
    }

    private static IReadOnlyList<string> RemoteMuxers(NoiseSecureStream secure) =>
        secure.RemoteExtensions is { } extensions ? [.. extensions.StreamMuxers] : [];

    private static NoiseHandshakeOptions HandshakeOptions(INoiseKeySource noiseKeys, ILogger logger) =>
        new() { KeySource = noiseKeys, StreamMuxers = LocalMuxers, Logger = logger };
}
