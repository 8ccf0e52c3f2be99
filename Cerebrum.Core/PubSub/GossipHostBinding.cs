using System.Diagnostics;
using System.Net;
using Cerebrum.Core.Common;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Records;
using Cerebrum.Core.Network.Resources;
using Cerebrum.Core.Network.Streams;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Core.PubSub;

/// <summary>
/// Connects a <see cref="GossipRouter"/> to a libp2p <see cref="PeerHost"/>: serves the meshsub protocols, opens one
/// outbound gossipsub stream per connected peer (1.2.0, then 1.1.0, then 1.0.0), forgets peers whose last connection
/// closed, and dials peers learnt through PRUNE peer exchange when the peer store knows how to reach them.
/// </summary>
public sealed class GossipHostBinding : IAsyncDisposable
{
    private readonly PeerHost _host;
    private readonly GossipRouter _router;
    private readonly ILogger _logger;
    private readonly BackgroundTasks _tasks;
    private readonly Dictionary<PeerId, OutboundDemand> _outbound = new(PeerIdComparer.Instance);
    private int _started;

    /// <summary>A peer whose outbound stream a task keeps open; <see cref="Requested"/> asks it to look again when it would stop.</summary>
    private sealed class OutboundDemand
    {
        public bool Requested;
    }

    private enum OutboundResult
    {
        NotSupported,
        OpenFailed,
        StreamLost,
        PeerRemoved,
    }

    public GossipHostBinding(PeerHost host, GossipRouter router, ILogger? logger = null)
    {
        _host = host;
        _router = router;
        _logger = logger ?? NullLogger.Instance;
        _tasks = new BackgroundTasks(_logger);
    }

    /// <summary>Registers the protocol handlers and attaches to current and future connections.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) return;
        foreach (var protocol in GossipsubProtocols.All)
            _host.SetHandler(protocol, HandleInboundAsync);
        _host.ConnectionOpened += OnConnectionOpened;
        _host.ConnectionClosed += OnConnectionClosed;
        _router.PeerExchangeReceived += OnPeerExchange;
        _router.SignedPeerRecords = peer => _host.PeerStore.Get(peer)?.SignedPeerRecord ?? default;
        foreach (var connection in _host.Connections)
            OnConnectionOpened(_host, new ConnectionEventArgs(connection));
        if (_router.Options.DirectPeers.Count > 0)
            _tasks.Run("gossipsub direct peers", MaintainDirectPeersAsync);
    }

    /// <summary>Explicit peering (v1.1): keep connected to every direct peer whose addresses the peer store knows.</summary>
    private async Task MaintainDirectPeersAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_router.Options.DirectConnectInterval);
        do
        {
            foreach (var peer in _router.Options.DirectPeers)
            {
                if (_host.FindConnection(peer) is not null) continue;
                try
                {
                    await _host.ConnectAsync(peer, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _logger.LogDebug("connecting to direct peer {Peer} failed: {Reason}", peer, ex.Message);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    private Task HandleInboundAsync(ProtocolStream stream, CancellationToken cancellationToken)
    {
        if (!GossipsubProtocols.TryParse(stream.Protocol, out var version)) return Task.CompletedTask;
        var connection = stream.Connection;
        // The peer speaks gossipsub now, even if it refused our stream before (it had not started it yet), and a new
        // stream from it may mean its router lost our state: make sure ours to it is open (as js-libp2p-gossipsub does).
        EnsureOutbound(connection.RemotePeer);
        return _router.RunInboundStreamAsync(connection.RemotePeer, version,
            connection.Direction == ConnectionDirection.Outbound, stream.Stream, cancellationToken, IpOf(connection));
    }

    /// <summary>
    /// What the P₆ IP-colocation score groups a connection's peer under: its IPv4 address or its IPv6 /64 (one site's
    /// usual allocation, so that fresh addresses of one /64 do not count as new IPs), as the per-IP resource limits do.
    /// Null, so never penalised, for loopback (a devnet's daemons all share it) and for addresses without an IP.
    /// </summary>
    private static string? IpOf(Connection connection) =>
        RemoteIp.Of(connection.RemoteAddress) is { } ip && !IPAddress.IsLoopback(ip.Address) ? ip.ToString() : null;

    private void OnConnectionOpened(object? sender, ConnectionEventArgs e) => EnsureOutbound(e.Connection.RemotePeer);

    private void OnConnectionClosed(object? sender, ConnectionEventArgs e)
    {
        var peer = e.Connection.RemotePeer;
        if (_host.FindConnection(peer) is null) _router.RemovePeer(peer);
    }

    /// <summary>
    /// Starts keeping an outbound stream open to <paramref name="peer"/>, or, if that is under way, asks it to check again
    /// once its current stream ends: one task per peer, so one stream (and one writer) per peer.
    /// </summary>
    private void EnsureOutbound(PeerId peer)
    {
        lock (_outbound)
        {
            if (_outbound.TryGetValue(peer, out var demand))
            {
                demand.Requested = true;
                return;
            }
            _outbound[peer] = demand = new OutboundDemand();
            _tasks.Run($"gossipsub stream to {peer}", ct => MaintainOutboundAsync(peer, demand, ct));
        }
    }

    /// <summary>
    /// Opens our stream to <paramref name="peer"/> on one of its connections and, while the peer stays connected, opens
    /// it again after the stream fails or the remote closes it, waiting <see cref="GossipsubOptions.OutboundStreamRetryDelay"/>
    /// doubled per consecutive failure, up to <see cref="GossipsubOptions.OutboundStreamRetries"/> of them; then the peer
    /// is forgotten. A peer that does not speak gossipsub is not retried: a stream it opens to us later asks again.
    /// </summary>
    private async Task MaintainOutboundAsync(PeerId peer, OutboundDemand demand, CancellationToken cancellationToken)
    {
        var options = _router.Options;
        var failures = 0;
        while (true)
        {
            lock (_outbound) demand.Requested = false;
            var retry = false;
            if (_host.FindConnection(peer) is not { } connection)
            {
                _router.RemovePeer(peer);
            }
            else
            {
                var started = Stopwatch.GetTimestamp();
                var result = await RunOutboundStreamAsync(connection, cancellationToken).ConfigureAwait(false);
                if (result is OutboundResult.OpenFailed or OutboundResult.StreamLost)
                {
                    if (result == OutboundResult.StreamLost && Stopwatch.GetElapsedTime(started) >= options.OutboundStreamMaxRetryDelay)
                        failures = 0; // it served long enough: a fresh failure, not a persistent one
                    if (++failures <= options.OutboundStreamRetries)
                    {
                        retry = true;
                        var delay = options.OutboundStreamRetryDelay * Math.Pow(2, failures - 1);
                        await Task.Delay(delay < options.OutboundStreamMaxRetryDelay ? delay : options.OutboundStreamMaxRetryDelay,
                            cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        _logger.LogDebug("giving up on a gossipsub stream to {Peer} after {Failures} failures", peer, failures - 1);
                        _router.RemovePeer(peer);
                    }
                }
            }
            if (retry) continue;
            lock (_outbound)
            {
                // A new connection or inbound stream while this one was busy asks for another look.
                if (demand.Requested) continue;
                _outbound.Remove(peer);
                return;
            }
        }
    }

    /// <summary>Opens, negotiates and attaches one outbound stream on <paramref name="connection"/>, and waits until its writer stops.</summary>
    private async Task<OutboundResult> RunOutboundStreamAsync(Connection connection, CancellationToken cancellationToken)
    {
        var peer = connection.RemotePeer;
        ProtocolStream stream;
        try
        {
            stream = await connection.OpenStreamAsync(GossipsubProtocols.All, cancellationToken).ConfigureAwait(false);
        }
        catch (ProtocolNotSupportedException)
        {
            _logger.LogDebug("{Peer} does not speak gossipsub", peer);
            return OutboundResult.NotSupported;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidDataException
                                       || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // A negotiation that timed out (under load) or a connection closing: retried while the peer stays connected.
            _logger.LogDebug("opening a gossipsub stream to {Peer} failed: {Reason}", peer, ex.Message);
            return OutboundResult.OpenFailed;
        }
        await using (stream.ConfigureAwait(false))
        {
            if (!GossipsubProtocols.TryParse(stream.Protocol, out var version)) return OutboundResult.NotSupported;
            var writer = _router.AttachOutboundStream(peer, version, connection.Direction == ConnectionDirection.Outbound,
                stream.Stream, IpOf(connection), stream.Resources);
            if (writer is null) return OutboundResult.PeerRemoved; // attached elsewhere: only through the router's own API
            // Disposing the protocol stream afterwards releases its resource scope (with what frames still queued reserved in
            // it); the writer has closed the stream itself.
            return await writer.WaitAsync(cancellationToken).ConfigureAwait(false) == OutboundStreamEnd.StreamLost
                ? OutboundResult.StreamLost
                : OutboundResult.PeerRemoved;
        }
    }

    private void OnPeerExchange(object? sender, PeerExchangeCandidate candidate)
    {
        if (candidate.Peer == _host.PeerId || _host.FindConnection(candidate.Peer) is not null) return;
        if (!candidate.SignedPeerRecord.IsEmpty)
        {
            try
            {
                _host.PeerStore.AddPeerRecord(PeerRecord.Open(candidate.SignedPeerRecord.Span, candidate.Peer), candidate.SignedPeerRecord);
            }
            catch (FormatException e)
            {
                _logger.LogDebug("PX offered {Peer} with a bad signed record: {Reason}", candidate.Peer, e.Message);
            }
        }
        _tasks.Run($"gossipsub PX dial {candidate.Peer}", async ct =>
        {
            try
            {
                await _host.ConnectAsync(candidate.Peer, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogDebug("PX dial of {Peer} failed: {Reason}", candidate.Peer, ex.Message);
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _started) != 0)
        {
            _host.ConnectionOpened -= OnConnectionOpened;
            _host.ConnectionClosed -= OnConnectionClosed;
            _router.PeerExchangeReceived -= OnPeerExchange;
            _router.SignedPeerRecords = null;
            foreach (var protocol in GossipsubProtocols.All) _host.RemoveHandler(protocol);
        }
        await _tasks.DisposeAsync().ConfigureAwait(false);
    }
}
