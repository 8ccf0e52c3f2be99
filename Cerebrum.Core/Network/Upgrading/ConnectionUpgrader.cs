using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Noise;
using Cerebrum.Core.Network.Resources;
using Cerebrum.Core.Network.Transport;
using Cerebrum.Core.Network.Yamux;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Network.Upgrading;

/// <summary>
/// A transport's raw connection to a secured, multiplexed <see cref="Connection"/>: multistream-select /noise, Noise XX,
/// then Yamux, within a <see cref="HandshakeDeadline"/> (overall, first byte, between bytes). The muxer is agreed inside
/// the Noise handshake when both sides list theirs in the payload's extensions (libp2p's early muxer negotiation, which js-libp2p and go-libp2p do); otherwise by
/// multistream-select /yamux/1.0.0 over Noise, which costs one more round trip. Once Noise has proven the remote peer,
/// the connection's resource scope is told who it is and may refuse.
/// </summary>
/// <remarks>
/// The direction is the role in the handshake, which is not always who dialed: a hole punch (DCUtR) opens a TCP
/// connection from both ends at once, and the protocol tells each side which role to take.
/// </remarks>
internal sealed class ConnectionUpgrader
{
    public const string MuxerProtocol = "/yamux/1.0.0";

    private static readonly IReadOnlyList<string> LocalMuxers = [MuxerProtocol];

    private readonly PrivateKey _identity;
    private readonly INoiseKeySource _noiseKeys;
    private readonly YamuxOptions _yamux;
    private readonly TimeSpan _handshakeTimeout;
    private readonly TimeSpan _firstByteTimeout;
    private readonly TimeSpan _stepTimeout;
    private readonly TimeSpan _streamNegotiationTimeout;
    private readonly TimeProvider _time;
    private readonly PeerHostInstruments? _instruments;
    private readonly ILogger _logger;

    public ConnectionUpgrader(PeerHostOptions options, INoiseKeySource noiseKeys, PeerHostInstruments? instruments, ILogger<YamuxSession> logger)
    {
        _identity = options.Identity;
        _noiseKeys = noiseKeys;
        _yamux = options.Yamux;
        _handshakeTimeout = options.HandshakeTimeout;
        _firstByteTimeout = options.HandshakeFirstByteTimeout;
        _stepTimeout = options.HandshakeStepTimeout;
        _streamNegotiationTimeout = options.StreamNegotiationTimeout;
        _time = options.Time;
        _instruments = instruments;
        _logger = logger;
    }

    /// <summary>
    /// The deadline of a handshake about to start in the <paramref name="role"/> side: the handshake timeout overall, and
    /// the step timeout between the remote's bytes; as the responder, whose remote speaks first, the first byte must come
    /// within the (shorter) first-byte timeout. The caller passes it to <see cref="UpgradeAsync"/> and disposes it.
    /// </summary>
    public HandshakeDeadline StartHandshake(ConnectionDirection role, CancellationToken ct) =>
        new(_handshakeTimeout, role == ConnectionDirection.Inbound ? _firstByteTimeout : _stepTimeout, _stepTimeout, ct);

    /// <summary>
    /// Secures and multiplexes <paramref name="raw"/>, taking the <paramref name="role"/> side of the handshake. On
    /// success the connection owns <paramref name="raw"/> and <paramref name="scope"/>; on failure the caller still does.
    /// </summary>
    /// <param name="expectedRemote">The peer the handshake must prove (else <see cref="PeerIdMismatchException"/>); null accepts anyone.</param>
    /// <param name="deadline">From <see cref="StartHandshake"/>: bounds every step; its <see cref="HandshakeDeadline.Reason"/> says why it cut the handshake.</param>
    /// <exception cref="ResourceLimitExceededException">The scope refused the proven peer.</exception>
    /// <exception cref="OperationCanceledException">The deadline expired, the handshake was evicted, or its owner stopped.</exception>
    public async Task<Connection> UpgradeAsync(TransportConnection raw, ConnectionDirection role, PeerId? expectedRemote,
        IConnectionScope scope, HandshakeDeadline deadline)
    {
        var stream = new HandshakeStream(_instruments is null ? raw.Stream : _instruments.Meter(raw.Stream), deadline);
        try
        {
            var (secure, session) = role == ConnectionDirection.Outbound
                ? await UpgradeOutboundAsync(stream, expectedRemote, scope, deadline).ConfigureAwait(false)
                : await UpgradeInboundAsync(stream, expectedRemote, scope, deadline).ConfigureAwait(false);
            return new Connection(raw, secure, session, role, _time.GetUtcNow(), _streamNegotiationTimeout, scope);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<(NoiseSecureStream Secure, YamuxSession Session)> UpgradeOutboundAsync(
        HandshakeStream raw, PeerId? expectedRemote, IConnectionScope scope, HandshakeDeadline deadline)
    {
        var ct = deadline.Token;
        // /noise is our only security protocol, so propose it optimistically with Noise's first message behind it.
        var negotiated = MultistreamSelect.SelectLazy(raw, NoiseSecurity.ProtocolId);
        var secure = await NoiseSecurity.SecureOutboundAsync(negotiated, _identity, expectedRemote, HandshakeOptions(), ct).ConfigureAwait(false);
        try
        {
            Admit(scope, secure.RemotePeer);
            if (SelectEarlyMuxer(LocalMuxers, RemoteMuxers(secure)) is null)
                await MultistreamSelect.SelectAsync(secure, [MuxerProtocol], ct).ConfigureAwait(false);
            EndHandshake(raw, deadline);
            return (secure, new YamuxSession(secure, isInitiator: true, _yamux, _logger, scope));
        }
        catch
        {
            await secure.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<(NoiseSecureStream Secure, YamuxSession Session)> UpgradeInboundAsync(
        HandshakeStream raw, PeerId? expectedRemote, IConnectionScope scope, HandshakeDeadline deadline)
    {
        var ct = deadline.Token;
        await MultistreamSelect.HandleAsync(raw, p => p == NoiseSecurity.ProtocolId, [NoiseSecurity.ProtocolId], ct).ConfigureAwait(false);
        var secure = await NoiseSecurity.SecureInboundAsync(raw, _identity, HandshakeOptions(), ct).ConfigureAwait(false);
        try
        {
            // A responder that dialled (a hole punch) knows whom it wanted; one that accepted does not ask.
            if (expectedRemote is not null && secure.RemotePeer != expectedRemote)
                throw new PeerIdMismatchException(expectedRemote, secure.RemotePeer);
            Admit(scope, secure.RemotePeer);
            if (SelectEarlyMuxer(RemoteMuxers(secure), LocalMuxers) is null)
                await MultistreamSelect.HandleAsync(secure, p => p == MuxerProtocol, [MuxerProtocol], ct).ConfigureAwait(false);
            EndHandshake(raw, deadline);
            return (secure, new YamuxSession(secure, isInitiator: false, _yamux, _logger, scope));
        }
        catch
        {
            await secure.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>From here on the connection is the muxer's: its reads are no longer handshake steps.</summary>
    private static void EndHandshake(HandshakeStream raw, HandshakeDeadline deadline)
    {
        raw.EndHandshake();
        deadline.Finish();
    }

    private static void Admit(IConnectionScope scope, PeerId peer)
    {
        if (!scope.SetPeer(peer))
            throw new ResourceLimitExceededException($"the resource manager refused a connection with {peer}");
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

    private NoiseHandshakeOptions HandshakeOptions() =>
        new() { KeySource = _noiseKeys, StreamMuxers = LocalMuxers, Logger = _logger };
}
