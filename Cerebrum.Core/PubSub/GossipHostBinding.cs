using System.Net;
using Cerebrum.Core.Common;
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
    private int _started;

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

    private void OnConnectionOpened(object? sender, ConnectionEventArgs e)
    {
        var connection = e.Connection;
        _tasks.Run($"gossipsub stream to {connection.RemotePeer}", async ct =>
        {
            ProtocolStream stream;
            try
            {
                stream = await connection.OpenStreamAsync(GossipsubProtocols.All, ct).ConfigureAwait(false);
            }
            catch (ProtocolNotSupportedException)
            {
                _logger.LogDebug("{Peer} does not speak gossipsub", connection.RemotePeer);
                return;
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidDataException)
            {
                _logger.LogDebug("opening a gossipsub stream to {Peer} failed: {Reason}", connection.RemotePeer, ex.Message);
                return;
            }
            if (!GossipsubProtocols.TryParse(stream.Protocol, out var version)
                || !_router.AttachOutboundStream(connection.RemotePeer, version,
                    connection.Direction == ConnectionDirection.Outbound, stream.Stream, IpOf(connection)))
            {
                await stream.DisposeAsync().ConfigureAwait(false); // a second connection: one stream per peer is enough
                return;
            }
            // The connection may have closed while the stream was negotiated, after ConnectionClosed was handled.
            if (connection.IsClosed && _host.FindConnection(connection.RemotePeer) is null)
                _router.RemovePeer(connection.RemotePeer);
        });
    }

    private void OnConnectionClosed(object? sender, ConnectionEventArgs e)
    {
        var peer = e.Connection.RemotePeer;
        if (_host.FindConnection(peer) is null) _router.RemovePeer(peer);
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
