using Cerebrum.Core.Common;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Resources;
using Cerebrum.Core.Network.Transport;
using Cerebrum.Core.Network.Upgrading;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Network.Listening;

/// <summary>
/// Inbound connections: binds each listen address on the transport that takes it, and for every accepted raw
/// connection applies the admission checks (the connection cap, after trimming; the cap on connections still in their
/// handshake; the resource manager), then upgrades it and adds it to the connection manager.
/// </summary>
internal sealed class Listener
{
    private readonly List<ITransportListener> _listeners = [];
    private readonly PeerHostOptions _options;
    private readonly TransportSet _transports;
    private readonly ConnectionUpgrader _upgrader;
    private readonly ConnectionManager _connections;
    private readonly IResourceManager _resources;
    private readonly BackgroundTasks _tasks;
    private readonly HolePunchExpectations _holePunches;
    private readonly ILogger _logger;
    private int _pendingInbound;

    public Listener(PeerHostOptions options, TransportSet transports, ConnectionUpgrader upgrader, ConnectionManager connections,
        BackgroundTasks tasks, HolePunchExpectations holePunches, ILogger logger)
    {
        _holePunches = holePunches;
        _options = options;
        _transports = transports;
        _upgrader = upgrader;
        _connections = connections;
        _resources = options.ResourceManager;
        _tasks = tasks;
        _logger = logger;
    }

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

            if (TryAdmit(raw) is { } scope)
                _tasks.Run("inbound upgrade", token => UpgradeAsync(raw, scope, token));
            else
                await raw.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The connection's resource scope, with a handshake slot taken; null when the connection is refused.</summary>
    private IConnectionScope? TryAdmit(TransportConnection raw)
    {
        if (!_connections.MakeRoom())
        {
            _logger.LogInformation("Refusing inbound connection from {Remote}: {Max} connections open", raw.RemoteAddress, _options.MaxConnections);
            return null;
        }
        if (Interlocked.Increment(ref _pendingInbound) > _options.MaxPendingInbound)
        {
            Interlocked.Decrement(ref _pendingInbound);
            _logger.LogInformation("Refusing inbound connection from {Remote}: {Max} handshakes already in progress", raw.RemoteAddress, _options.MaxPendingInbound);
            return null;
        }
        var scope = _resources.OpenConnection(ConnectionDirection.Inbound, raw.RemoteAddress);
        if (scope is null)
        {
            Interlocked.Decrement(ref _pendingInbound);
            _logger.LogInformation("Refusing inbound connection from {Remote}: refused by the resource manager", raw.RemoteAddress);
        }
        return scope;
    }

    private async Task UpgradeAsync(TransportConnection raw, IConnectionScope scope, CancellationToken ct)
    {
        try
        {
            Connection connection;
            try
            {
                // A hole punch's dial that reached our listener: we are the handshake's initiator, as DCUtR said.
                var punched = _holePunches.Match(raw.RemoteAddress);
                var role = punched is null ? ConnectionDirection.Inbound : ConnectionDirection.Outbound;
                connection = await _upgrader.UpgradeAsync(raw, role, punched, scope, ct).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _logger.LogInformation("Inbound connection from {Remote} failed its handshake: {Reason}", raw.RemoteAddress,
                    e is OperationCanceledException && !ct.IsCancellationRequested ? "timed out" : e.Message);
                await raw.DisposeAsync().ConfigureAwait(false);
                scope.Dispose();
                return;
            }
            var registration = _connections.TryAdd(connection);
            if (registration == ConnectionRegistration.Banned)
                _logger.LogInformation("Closing inbound connection from banned {Peer}", connection.RemotePeer);
            if (registration != ConnectionRegistration.Added)
                await connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _pendingInbound);
        }
    }
}
