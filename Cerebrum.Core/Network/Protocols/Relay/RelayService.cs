using System.Collections.Concurrent;
using Cerebrum.Core.Common;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Protocols.Identify;
using Cerebrum.Core.Network.Streams;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Network.Protocols.Relay;

/// <summary>
/// Circuit relay v2 on a host. As a relay (<see cref="RelayServiceOptions.EnableHop"/>): serves hop requests, opens the
/// stop leg to targets and bridges circuits within <see cref="RelayServer"/>'s limits; a reservation ends with its
/// peer's last connection. As a client: the <see cref="RelayTransport"/> dials <c>/p2p-circuit</c> addresses, inbound
/// circuits are accepted from relays we hold reservations on, and while <see cref="ReservationsWanted"/> (we are
/// private) it keeps <see cref="RelayServiceOptions.WantedRelays"/> reservations (static relays first, then connected
/// peers that serve hop), refreshes them before they expire, and adds their circuit addresses to the host's advertised
/// addresses (identify, the signed peer record, a node's heartbeat).
/// </summary>
public sealed class RelayService : IPeerService
{
    /// <summary>The service name a relay's hop and stop streams carry in the resource manager (its limits: Network:Resources:Services:relay).</summary>
    public const string ResourceService = "relay";

    private readonly PeerHost _host;
    private readonly RelayServiceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BackgroundTasks _tasks;
    private readonly RelayTransport _transport;
    private readonly ConcurrentDictionary<PeerId, DateTimeOffset> _failedRelays = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly Dictionary<string, ProtocolHandler> _handlers = new(StringComparer.Ordinal);
    private volatile bool _wanted;

    /// <summary>Creates the service and adds its transport and circuit addresses to <paramref name="host"/>; then add the service itself (<see cref="PeerHost.AddService"/>).</summary>
    public RelayService(PeerHost host, RelayServiceOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _host = host;
        _options = options;
        _time = host.Options.Time;
        _logger = logger;
        _tasks = new BackgroundTasks(logger);
        Client = new RelayClient(host.PeerId, options.WantedRelays);
        if (options.EnableHop)
        {
            Server = new RelayServer(host.Identity, options.Hop, () => host.AdvertisedAddresses);
            _handlers[RelayMessages.HopProtocolId] = HandleHopAsync;
        }
        _handlers[RelayMessages.StopProtocolId] = HandleStopAsync;
        _transport = new RelayTransport(host);
        host.AddTransport(_transport);
        host.AddAddressSource(() => _wanted ? Client.CircuitAddresses(_time.GetUtcNow()) : []);
        Client.ReservationsChanged += host.NotifyAddressesChanged;
        host.Identify.PeerIdentified += OnPeerIdentified;
    }

    public IReadOnlyDictionary<string, ProtocolHandler> Handlers => _handlers;

    /// <summary>Our reservations (the client side); present whether or not any are wanted.</summary>
    public RelayClient Client { get; }

    /// <summary>The hop server's state; null unless <see cref="RelayServiceOptions.EnableHop"/>.</summary>
    public RelayServer? Server { get; }

    /// <summary>Circuits this relay has bridged to their end, by how they ended.</summary>
    public long CircuitsCompleted => Interlocked.Read(ref _circuitsCompleted);

    private long _circuitsCompleted;

    /// <summary>
    /// Whether to hold reservations: true while we are private (AutoNAT says so, or the operator does). Turning it off
    /// drops the reservations and their addresses.
    /// </summary>
    public bool ReservationsWanted
    {
        get => _wanted;
        set
        {
            if (_wanted == value)
                return;
            _wanted = value;
            if (value)
                _logger.LogInformation("Reserving on relays: we are not reachable directly");
            else
                _logger.LogInformation("Dropping relay reservations: we are reachable directly");
            if (!value)
            {
                foreach (var reservation in Client.Reservations)
                    Client.Remove(reservation.Relay);
            }
            Wake();
        }
    }

    /// <summary>Relays we hold live reservations on.</summary>
    public IReadOnlyList<PeerId> ActiveRelays => _wanted ? Client.Relays(_time.GetUtcNow()) : [];

    public void OnStarted()
    {
        _host.Listen(RelayTransport.ListenAddress);
        _tasks.Run("relay maintenance", MaintainAsync);
    }

    public void OnConnectionClosed(Connection connection)
    {
        var peer = connection.RemotePeer;
        if (_host.FindConnection(peer) is { IsRelayed: false })
            return;
        // Its last direct connection is gone: a reservation it held here ends (spec), and ours on it no longer serves.
        Server?.PeerDisconnected(peer);
        if (Client.Reservations.Any(r => r.Relay == peer))
        {
            _logger.LogInformation("Lost the connection to relay {Relay}; its reservation is gone", peer);
            Client.Remove(peer);
            Wake();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _host.Identify.PeerIdentified -= OnPeerIdentified;
        await _tasks.DisposeAsync().ConfigureAwait(false);
        _wake.Dispose();
    }

    /// <summary>Makes (or refreshes) a reservation on <paramref name="relay"/> now.</summary>
    /// <exception cref="RelayRefusedException">The relay refused.</exception>
    /// <exception cref="DialException">The relay cannot be reached.</exception>
    public async Task<RelayReservation> ReserveAsync(PeerId relay, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.ReserveTimeout);
        var connection = await _host.ConnectAsync(relay, timeout.Token).ConfigureAwait(false);
        if (connection.IsRelayed)
            throw new DialException(DialFailureReason.Unreachable, $"relay {relay} is only reachable through another relay");
        await using var hop = await connection.OpenStreamAsync(RelayMessages.HopProtocolId, timeout.Token).ConfigureAwait(false);
        var reservation = await RelayProtocol.ReserveAsync(hop.Stream, Client, relay, _time, timeout.Token).ConfigureAwait(false);
        _failedRelays.TryRemove(relay, out _);
        _logger.LogInformation("Reserved on relay {Relay} until {Expires:u}: reachable at {Addresses}", relay, reservation.Expires,
            string.Join(", ", reservation.CircuitAddresses));
        return reservation;
    }

    private void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
                _wake.Release();
        }
        catch (Exception e) when (e is SemaphoreFullException or ObjectDisposedException)
        {
            // Already signalled, or shutting down.
        }
    }

    private void OnPeerIdentified(object? sender, IdentifyResult result)
    {
        if (_wanted && result.Protocols.Contains(RelayMessages.HopProtocolId, StringComparer.Ordinal) && Client.MissingRelays(_time.GetUtcNow()) > 0)
            Wake();
    }

    private async Task MaintainAsync(CancellationToken ct)
    {
        foreach (var relay in _options.StaticRelays)
            _host.PeerStore.AddAddresses(relay.PeerId!, [relay.WithoutPeerId()]);
        while (!ct.IsCancellationRequested)
        {
            var now = _time.GetUtcNow();
            Server?.ExpireReservations(now);
            Client.Expire(now);
            if (_wanted)
                await KeepReservationsAsync(ct).ConfigureAwait(false);
            try
            {
                await _wake.WaitAsync(_options.MaintenanceInterval, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task KeepReservationsAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        foreach (var relay in Client.RefreshDue(now, _options.Hop.ReservationDuration))
            await TryReserveAsync(relay, ct).ConfigureAwait(false);
        foreach (var candidate in Candidates())
        {
            if (!_wanted || Client.MissingRelays(_time.GetUtcNow()) == 0)
                break;
            await TryReserveAsync(candidate, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Relays to try: the static ones, then connected peers whose identify lists hop; not held, not failed lately.</summary>
    private IEnumerable<PeerId> Candidates()
    {
        var now = _time.GetUtcNow();
        var held = Client.Relays(now).ToHashSet();
        var connected = _host.Connections.Where(c => !c.IsRelayed).Select(c => c.RemotePeer)
            .Where(p => _host.PeerStore.Get(p)?.Protocols.Contains(RelayMessages.HopProtocolId, StringComparer.Ordinal) == true);
        return _options.StaticRelays.Select(r => r.PeerId!)
            .Concat(connected)
            .Distinct()
            .Where(p => p != _host.PeerId && !held.Contains(p) && !(_failedRelays.TryGetValue(p, out var until) && until > now))
            .ToList();
    }

    private async Task TryReserveAsync(PeerId relay, CancellationToken ct)
    {
        try
        {
            await ReserveAsync(relay, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RelayRefusedException or DialException or InvalidDataException or IOException or ProtocolNotSupportedException
                                      or ObjectDisposedException or InvalidOperationException
                                      || e is OperationCanceledException && !ct.IsCancellationRequested)
        {
            _failedRelays[relay] = _time.GetUtcNow() + _options.FailedRelayBackoff;
            if (Client.Reservations.Any(r => r.Relay == relay) && e is RelayRefusedException)
                Client.Remove(relay); // a refused refresh: that relay no longer serves us
            _logger.LogInformation("No reservation on relay {Relay}: {Reason}", relay, e is OperationCanceledException ? "timed out" : e.Message);
        }
    }

    private async Task HandleHopAsync(ProtocolStream stream, CancellationToken ct)
    {
        var server = Server!;
        var connection = stream.Connection;
        // Circuits count against the relay service's resource limits (Network:Resources), beside the reservation limits.
        if (!stream.Resources.SetService(ResourceService))
        {
            _logger.LogDebug("Refusing a hop stream from {Source}: the resource manager refused the relay service", connection.RemotePeer);
            stream.Reset();
            return;
        }
        var stops = new List<ProtocolStream>();
        try
        {
            var hop = new RelayBridgeEnd(stream.Stream, t => stream.CompleteWritesAsync(t), stream.Reset);
            var outcome = await RelayProtocol.ServeHopAsync(hop, server, connection.RemotePeer, connection.RemoteAddress, connection.IsRelayed,
                async (target, token) =>
                {
                    if (_host.FindConnection(target) is not { IsRelayed: false } toTarget)
                        return null;
                    ProtocolStream stop;
                    try
                    {
                        stop = await toTarget.OpenStreamAsync(RelayMessages.StopProtocolId, token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is ProtocolNotSupportedException or IOException or ObjectDisposedException or InvalidOperationException
                                                  or Resources.ResourceLimitExceededException)
                    {
                        _logger.LogDebug("No stop stream to {Target}: {Reason}", target, e.Message);
                        return null; // the source hears CONNECTION_FAILED
                    }
                    stops.Add(stop);
                    if (!stop.Resources.SetService(ResourceService))
                    {
                        _logger.LogDebug("No stop stream to {Target}: the resource manager refused the relay service", target);
                        return null;
                    }
                    return new RelayBridgeEnd(stop.Stream, t => stop.CompleteWritesAsync(t), stop.Reset);
                }, _time, ct).ConfigureAwait(false);
            if (outcome is { } ended)
            {
                Interlocked.Increment(ref _circuitsCompleted);
                _logger.LogDebug("Circuit from {Source} ended: {Outcome}", connection.RemotePeer, ended);
            }
        }
        finally
        {
            foreach (var stop in stops)
                await stop.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task HandleStopAsync(ProtocolStream stream, CancellationToken ct)
    {
        var relay = stream.Connection.RemotePeer;
        var request = await RelayProtocol.AcceptStopAsync(stream.Stream, Client, relay, _time, ct).ConfigureAwait(false);
        if (request is null)
        {
            _logger.LogDebug("Refused a relayed connection from {Relay}: no reservation there", relay);
            return;
        }
        _logger.LogDebug("Relayed connection from {Source} through {Relay}", request.Source, relay);
        if (!await _transport.DeliverAsync(stream, ct).ConfigureAwait(false))
            stream.Reset();
    }
}
