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

namespace Cerebrum.Core.Network.Protocols.Dcutr;

/// <summary>
/// DCUtR on a host: moves relayed connections to direct ones. When a peer that reached us through a relay has been
/// identified (we are B in the spec), we first dial its advertised direct addresses (the unilateral upgrade), then
/// open <c>/libp2p/dcutr</c> and coordinate a simultaneous open (<see cref="HolePunchProtocol"/>); as A we answer that
/// stream. Both sides dial from their listen port (a port-preserving NAT then maps the punch to the port the other
/// side was told), B taking the server's side of the security handshake as the spec assigns. Once a direct
/// connection stands, new streams go on it (the host prefers direct connections) and the relayed one is closed when
/// its streams have ended, after <see cref="HolePunchOptions.RelayedCloseGrace"/> and at most
/// <see cref="HolePunchServiceOptions.RelayedDrainLimit"/> later: work under way (a job's stream) finishes where it began.
/// </summary>
public sealed class HolePunchService : IPeerService
{
    private readonly PeerHost _host;
    private readonly HolePunchServiceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BackgroundTasks _tasks;
    private readonly ConcurrentDictionary<PeerId, byte> _punching = new();
    private readonly Dictionary<string, ProtocolHandler> _handlers = new(StringComparer.Ordinal);
    private long _upgraded;
    private long _failed;

    /// <summary>Creates the service; then add it to <paramref name="host"/> (<see cref="PeerHost.AddService"/>).</summary>
    public HolePunchService(PeerHost host, HolePunchServiceOptions options, ILogger logger)
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
        _handlers[HolePunchMessages.ProtocolId] = HandleAsync;
        host.Identify.PeerIdentified += OnPeerIdentified;
    }

    public IReadOnlyDictionary<string, ProtocolHandler> Handlers => _handlers;

    /// <summary>Relayed connections moved to direct ones (either side).</summary>
    public long Upgraded => Interlocked.Read(ref _upgraded);

    /// <summary>Upgrades we started that ended relayed.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Raised when a peer we reached (or that reached us) through a relay is now connected directly.</summary>
    public event Action<PeerId>? DirectConnectionEstablished;

    public async ValueTask DisposeAsync()
    {
        _host.Identify.PeerIdentified -= OnPeerIdentified;
        await _tasks.DisposeAsync().ConfigureAwait(false);
    }

    private HolePunchOptions Punch => _options.Punch;

    /// <summary>Our direct addresses worth offering: where peers observe us (a NAT's public side) and what we advertise.</summary>
    private IReadOnlyList<Multiaddress> OurAddresses() =>
    [
        .. _host.ObservedAddresses.Concat(_host.AdvertisedAddresses).Where(a => HolePunchMessages.Dialable(a, Punch.AllowNonPublicAddresses)).Distinct(),
    ];

    private bool HasDirectConnection(PeerId peer) => _host.Connections.Any(c => c.RemotePeer == peer && !c.IsRelayed && !c.IsClosed);

    private void OnPeerIdentified(object? sender, IdentifyResult result)
    {
        var peer = result.PeerId;
        // B: the peer reached us through a relay and we have no direct connection to it.
        var relayedIn = _host.Connections.FirstOrDefault(c => c.RemotePeer == peer && c.IsRelayed && c.Direction == ConnectionDirection.Inbound && !c.IsClosed);
        if (relayedIn is null || HasDirectConnection(peer) || !_punching.TryAdd(peer, 0))
            return;
        var advertised = result.ListenAddresses;
        var servesDcutr = result.Protocols.Contains(HolePunchMessages.ProtocolId, StringComparer.Ordinal);
        _tasks.Run($"hole punch {peer}", async ct =>
        {
            try
            {
                await UpgradeAsync(relayedIn, advertised, servesDcutr, ct).ConfigureAwait(false);
            }
            finally
            {
                _punching.TryRemove(peer, out _);
            }
        });
    }

    private async Task UpgradeAsync(Connection relayed, IReadOnlyList<Multiaddress> advertised, bool servesDcutr, CancellationToken ct)
    {
        var peer = relayed.RemotePeer;
        var initiator = new HolePunchInitiator(OurAddresses(), Punch);
        var direct = false;
        if (_options.TryUnilateralUpgrade && initiator.UnilateralTargets(advertised) is { Count: > 0 } targets)
        {
            direct = await DialEachAsync(peer, targets, new DialOptions { ForceNewConnection = true }, ct).ConfigureAwait(false);
            if (direct)
                _logger.LogInformation("Connected directly to {Peer} (it is reachable); leaving the relay", peer);
        }
        if (!direct && servesDcutr && !initiator.HasNoAddresses)
        {
            try
            {
                await using var stream = await relayed.OpenStreamAsync(HolePunchMessages.ProtocolId, ct).ConfigureAwait(false);
                var dial = new DialOptions { ForceNewConnection = true, FromListenPort = true, Role = ConnectionDirection.Inbound };
                direct = await HolePunchProtocol.InitiateAsync(stream.Stream, initiator, (t, token) => DialAnyAsync(peer, t, dial, token), Punch, _time, ct)
                    .ConfigureAwait(false);
                await stream.CompleteWritesAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or ProtocolNotSupportedException or ObjectDisposedException or InvalidOperationException
                                          || e is OperationCanceledException && !ct.IsCancellationRequested)
            {
                _logger.LogDebug("Hole punch with {Peer} broke off: {Reason}", peer, e.Message);
            }
        }
        if (direct || HasDirectConnection(peer))
        {
            await OnDirectAsync(peer, ct).ConfigureAwait(false);
            return;
        }
        Interlocked.Increment(ref _failed);
        _logger.LogInformation("No direct connection to {Peer} after {Attempts} hole punching attempts; staying relayed", peer, initiator.Attempts);
    }

    private async Task HandleAsync(ProtocolStream stream, CancellationToken ct)
    {
        var connection = stream.Connection;
        var peer = connection.RemotePeer;
        if (!connection.IsRelayed)
        {
            stream.Reset(); // DCUtR only makes sense over a relayed connection
            return;
        }
        var responder = new HolePunchResponder(OurAddresses(), Punch);
        var dial = new DialOptions { ForceNewConnection = true, FromListenPort = true, Role = ConnectionDirection.Outbound };
        bool direct;
        try
        {
            // With no NAT in between, B's dial may land on our listener rather than meet ours: take the initiator's side there too.
            direct = await HolePunchProtocol.RespondAsync(stream.Stream, responder, (targets, token) => DialAnyAsync(peer, targets, dial, token), Punch, ct,
                targets => _host.ExpectHolePunch(targets, peer, Punch.StreamTimeout + Punch.DialTimeout)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ObjectDisposedException)
        {
            _logger.LogDebug("Hole punch from {Peer} broke off: {Reason}", peer, e.Message);
            stream.Reset();
            return;
        }
        if (direct)
            _tasks.Run($"leave the relay to {peer}", token => OnDirectAsync(peer, token)); // outlives this stream and the relayed connection it is on
    }

    /// <summary>
    /// Dials <paramref name="targets"/> at once; true when a direct connection to <paramref name="peer"/> results, ours or
    /// the other side's (with no NAT between us, its dial reaches our listener and ours then finds the address pair taken).
    /// </summary>
    private async Task<bool> DialAnyAsync(PeerId peer, IReadOnlyList<Multiaddress> targets, DialOptions options, CancellationToken ct)
    {
        var theirs = WaitForDirectAsync(peer, ct);
        if (await DialEachAsync(peer, targets, options, ct).ConfigureAwait(false))
            return true;
        return await theirs.ConfigureAwait(false);
    }

    /// <summary>True once a direct connection to <paramref name="peer"/> is open; false when <paramref name="ct"/> ends the wait.</summary>
    private async Task<bool> WaitForDirectAsync(PeerId peer, CancellationToken ct)
    {
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnOpened(object? sender, ConnectionEventArgs e)
        {
            if (e.Connection.RemotePeer == peer && !e.Connection.IsRelayed)
                opened.TrySetResult();
        }
        _host.ConnectionOpened += OnOpened;
        try
        {
            if (HasDirectConnection(peer))
                return true;
            await opened.Task.WaitAsync(ct).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return HasDirectConnection(peer);
        }
        finally
        {
            _host.ConnectionOpened -= OnOpened;
        }
    }

    private async Task<bool> DialEachAsync(PeerId peer, IReadOnlyList<Multiaddress> targets, DialOptions options, CancellationToken ct)
    {
        var dials = targets.Select(async target =>
        {
            try
            {
                var connection = await _host.DialAsync(target.WithPeerId(peer), options, ct).ConfigureAwait(false);
                return !connection.IsRelayed;
            }
            catch (DialException e)
            {
                _logger.LogDebug("Direct dial to {Target} failed: {Reason}", target, e.Message);
                return false;
            }
        }).ToList();
        var results = await Task.WhenAll(dials).ConfigureAwait(false);
        return results.Any(ok => ok);
    }

    /// <summary>Streams now go on the direct connection; the relayed ones close once their own streams have ended.</summary>
    private async Task OnDirectAsync(PeerId peer, CancellationToken ct)
    {
        Interlocked.Increment(ref _upgraded);
        _logger.LogInformation("Connection to {Peer} is direct now", peer);
        DirectConnectionEstablished?.Invoke(peer);
        var relayed = _host.Connections.Where(c => c.RemotePeer == peer && c.IsRelayed).ToList();
        if (relayed.Count == 0)
            return;
        await Task.Delay(Punch.RelayedCloseGrace, _time, ct).ConfigureAwait(false);
        var drainUntil = _time.GetUtcNow() + _options.RelayedDrainLimit;
        foreach (var connection in relayed)
        {
            while (connection.StreamCount > 0 && !connection.IsClosed && _time.GetUtcNow() < drainUntil)
                await Task.WhenAny(connection.Completion, Task.Delay(_options.DrainCheckInterval, _time, ct)).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
