using Cerebrum.Core.Common;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Resources;
using Cerebrum.Core.Network.Transport;
using Cerebrum.Core.Network.Upgrading;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Network.Listening;

/// <summary>
/// Inbound connections: binds each listen address on the transport that takes it, and for every accepted raw
/// connection applies the admission checks (the connection cap, after trimming; the handshake slots, at most
/// <see cref="PeerHostOptions.MaxPendingInbound"/> at once and <see cref="PeerHostOptions.MaxPendingInboundPerIp"/> per IP,
/// the idlest evicted for a newcomer when all are taken; the resource manager), then upgrades it within its
/// <see cref="HandshakeDeadline"/> and adds it to the connection manager.
/// </summary>
internal sealed class Listener
{
    private readonly List<ITransportListener> _listeners = [];
    private readonly PeerHostOptions _options;
    private readonly TransportSet _transports;
    private readonly ConnectionUpgrader _upgrader;
    private readonly ConnectionManager _connections;
    private readonly IResourceManager _resources;
    private readonly ResourceMetrics? _metrics;
    private readonly PendingHandshakes _pending;
    private readonly BackgroundTasks _tasks;
    private readonly HolePunchExpectations _holePunches;
    private readonly ILogger _logger;

    public Listener(PeerHostOptions options, TransportSet transports, ConnectionUpgrader upgrader, ConnectionManager connections,
        IResourceManager resources, ResourceMetrics? metrics, BackgroundTasks tasks, HolePunchExpectations holePunches, ILogger logger)
    {
        _metrics = metrics;
        _holePunches = holePunches;
        _options = options;
        _transports = transports;
        _upgrader = upgrader;
        _connections = connections;
        _resources = resources;
        _pending = new PendingHandshakes(options.MaxPendingInbound, options.MaxPendingInboundPerIp, options.Resources.ExemptNetworks);
        _tasks = tasks;
        _logger = logger;
    }

    /// <summary>Inbound connections in their handshake now.</summary>
    public int PendingCount => _pending.Count;

    /// <summary>The bound addresses (actual ports), without /p2p.</summary>
    public IReadOnlyList<Multiaddress> Addresses
    {
        get
        {
            lock (_listeners) return [.. _listeners.Select(l => l.Address)];
        }
    }

    /// <summary>Binds <paramref name="address"/> and starts accepting on it.</summary>
    /// <exception cref="System.Net.Sockets.SocketException">The address cannot be bound.</exception>
    public Multiaddress Listen(Multiaddress address)
    {
        var transport = _transports.ForListening(address)
            ?? throw new ArgumentException($"no transport can listen on '{address}'", nameof(address));
        var listener = transport.Listen(address);
        lock (_listeners) _listeners.Add(listener);
        _tasks.Run($"accept loop {listener.Address}", ct => AcceptLoopAsync(listener, ct));
        return listener.Address;
    }

    /// <summary>Stops accepting: closes every listener.</summary>
    public void Close()
    {
        lock (_listeners)
        {
            foreach (var listener in _listeners) listener.Dispose();
        }
    }

    private async Task AcceptLoopAsync(ITransportListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TransportConnection? raw;
            try
            {
                raw = await listener.AcceptAsync(ct).ConfigureAwait(false);
            }
            catch (IOException e) when (!ct.IsCancellationRequested && !_connections.IsStopped)
            {
                // Transient (e.g. too many open files): log, and keep serving.
                _logger.LogWarning("Accept on {Address} failed: {Reason}", listener.Address, e.Message);
                continue;
            }
            catch (IOException)
            {
                return;
            }
            if (raw is null)
                return; // the listener was closed: shutting down

            // A hole punch's dial that reached our listener: we are the handshake's initiator, as DCUtR said. It is
            // still an inbound connection to admit: the same handshake slots and resource scope as any other.
            var punched = _holePunches.Match(raw.RemoteAddress);
            var role = punched is null ? ConnectionDirection.Inbound : ConnectionDirection.Outbound;
            var deadline = _upgrader.StartHandshake(role, ct);
            if (TryAdmit(raw, deadline) is { } admitted)
            {
                _tasks.Run("inbound upgrade", _ => UpgradeAsync(raw, role, punched, admitted.Scope, admitted.Slot, deadline));
            }
            else
            {
                deadline.Dispose();
                await raw.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The connection's resource scope and handshake slot; null when the connection is refused.</summary>
    private (IConnectionScope Scope, PendingHandshakes.Pending Slot)? TryAdmit(TransportConnection raw, HandshakeDeadline deadline)
    {
        if (!_connections.MakeRoom())
        {
            _logger.LogInformation("Refusing inbound connection from {Remote}: {Max} connections open", raw.RemoteAddress, _options.MaxConnections);
            return null;
        }
        var ip = RemoteIp.Of(raw.RemoteAddress);
        switch (_pending.TryAdmit(ip, deadline, out var slot, out var evicted))
        {
            case PendingHandshakes.Admission.IpFull:
                _metrics?.Refused(ResourceScopeKind.Ip, "handshakes");
                // Debug: a flood from one address would otherwise be a log line per socket.
                _logger.LogDebug("Refusing inbound connection from {Remote}: {Max} handshakes from {Network} already in progress",
                    raw.RemoteAddress, _options.MaxPendingInboundPerIp, ip);
                return null;
            case PendingHandshakes.Admission.Full:
                _metrics?.Refused(ResourceScopeKind.Transient, "handshakes");
                _logger.LogInformation("Refusing inbound connection from {Remote}: {Max} handshakes already in progress, all of them active",
                    raw.RemoteAddress, _options.MaxPendingInbound);
                return null;
        }
        evicted?.Evict($"evicted after {evicted.Idle.TotalSeconds:0.#} s without a byte, to make room for a new connection ({_options.MaxPendingInbound} handshakes were in progress)");
        var scope = _resources.OpenConnection(ConnectionDirection.Inbound, raw.RemoteAddress);
        if (scope is null)
        {
            _pending.Release(slot!);
            _logger.LogInformation("Refusing inbound connection from {Remote}: refused by the resource manager", raw.RemoteAddress);
            return null;
        }
        return (scope, slot!);
    }

    private async Task UpgradeAsync(TransportConnection raw, ConnectionDirection role, PeerId? punched, IConnectionScope scope,
        PendingHandshakes.Pending slot, HandshakeDeadline deadline)
    {
        try
        {
            Connection connection;
            try
            {
                connection = await _upgrader.UpgradeAsync(raw, role, punched, scope, deadline).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                if (e is OperationCanceledException && deadline.Expired)
                    _logger.LogDebug("Inbound connection from {Remote} failed its handshake: {Reason}", raw.RemoteAddress, deadline.Reason);
                else
                    _logger.LogInformation("Inbound connection from {Remote} failed its handshake: {Reason}", raw.RemoteAddress, e.Message);
                await raw.DisposeAsync().ConfigureAwait(false);
                scope.Dispose();
                return;
            }
            _pending.Release(slot);
            var registration = _connections.TryAdd(connection);
            if (registration == ConnectionRegistration.Banned)
                _logger.LogInformation("Closing inbound connection from banned {Peer}", connection.RemotePeer);
            if (registration != ConnectionRegistration.Added)
                await connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _pending.Release(slot);
            deadline.Dispose();
        }
    }
}
