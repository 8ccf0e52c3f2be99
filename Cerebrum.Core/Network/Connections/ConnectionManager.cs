using System.Collections.Concurrent;
using Cerebrum.Core.Common;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Peers;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Network.Connections;

/// <summary>
/// The host's live connections: the table every part looks connections up in, the connection cap, trimming the
/// lowest-scored connections at the high watermark, and bans. Watches each added connection until it ends, then
/// removes it and reports it closed.
/// </summary>
internal sealed class ConnectionManager
{
    private readonly ConcurrentDictionary<long, Connection> _connections = new();
    private readonly ConcurrentDictionary<PeerId, DateTimeOffset> _bans = new();
    private readonly PeerHostOptions _options;
    private readonly PeerStore _peerStore;
    private readonly BackgroundTasks _tasks;
    private readonly ILogger _logger;
    private readonly Action<Connection> _opened;
    private readonly Action<Connection> _closed;
    private int _stopped;

    /// <param name="opened">Called once a connection is added (starts its stream routing and services' work).</param>
    /// <param name="closed">Called once an added connection has ended and been removed.</param>
    public ConnectionManager(PeerHostOptions options, PeerStore peerStore, BackgroundTasks tasks, ILogger logger,
        Action<Connection> opened, Action<Connection> closed)
    {
        _options = options;
        _peerStore = peerStore;
        _tasks = tasks;
        _logger = logger;
        _opened = opened;
        _closed = closed;
    }

    /// <summary>See <see cref="PeerHost.PeerScorer"/>.</summary>
    public Func<PeerId, double>? PeerScorer { get; set; }

    /// <summary>Set once the host stops: nothing more is added, and dials fail as <c>HostStopped</c>.</summary>
    public bool IsStopped => Volatile.Read(ref _stopped) != 0;

    public int Count => _connections.Count;

    public IReadOnlyCollection<Connection> Open => [.. _connections.Values.Where(c => !c.IsClosed)];

    /// <summary>
    /// The live connection to <paramref name="peer"/> to use: the oldest direct one, else the oldest relayed one (a
    /// relayed connection is a stopgap that hole punching replaces); null when there is none.
    /// </summary>
    public Connection? Find(PeerId peer) =>
        _connections.Values.Where(c => !c.IsClosed && c.RemotePeer == peer).OrderBy(c => c.IsRelayed).ThenBy(c => c.Id).FirstOrDefault();

    /// <summary>
    /// Whether one more connection fits under <see cref="PeerHostOptions.MaxConnections"/>, after trimming (see
    /// <see cref="Trim"/>) to make room when that applies.
    /// </summary>
    public bool MakeRoom()
    {
        Trim();
        return _connections.Count < _options.MaxConnections;
    }

    /// <summary>Adds an upgraded connection unless its peer is banned or the host is stopping (then the caller closes it).</summary>
    public ConnectionRegistration TryAdd(Connection connection)
    {
        if (IsBanned(connection.RemotePeer))
            return ConnectionRegistration.Banned;
        if (IsStopped)
            return ConnectionRegistration.Stopping;
        _connections[connection.Id] = connection;
        // Stop may have taken its snapshot of the connections between the check above and the add.
        if (IsStopped)
        {
            _connections.TryRemove(connection.Id, out _);
            return ConnectionRegistration.Stopping;
        }
        _peerStore.Update(connection.RemotePeer, info => info with { PublicKey = connection.RemotePublicKey });
        _logger.LogInformation("Connected {Direction} to {Peer} at {Address}", connection.Direction, connection.RemotePeer, connection.RemoteAddress);
        _tasks.Run($"watch {connection}", ct => WatchAsync(connection, ct));
        _opened(connection);
        return ConnectionRegistration.Added;
    }

    /// <summary>Closes every connection to <paramref name="peer"/>.</summary>
    public async Task DisconnectAsync(PeerId peer)
    {
        foreach (var connection in _connections.Values.Where(c => c.RemotePeer == peer))
            await connection.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Closes every connection to <paramref name="peer"/>, and refuses its connections and our dials to it for <paramref name="duration"/>.</summary>
    public async Task BanAsync(PeerId peer, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        var now = _options.Time.GetUtcNow();
        foreach (var expired in _bans.Where(b => b.Value <= now))
            _bans.TryRemove(expired);
        _bans[peer] = now + duration;
        _logger.LogInformation("Banned {Peer} for {Duration}", peer, duration);
        await DisconnectAsync(peer).ConfigureAwait(false);
    }

    /// <summary>Whether <paramref name="peer"/> is banned now.</summary>
    public bool IsBanned(PeerId peer)
    {
        if (!_bans.TryGetValue(peer, out var until)) return false;
        if (_options.Time.GetUtcNow() < until) return true;
        _bans.TryRemove(KeyValuePair.Create(peer, until));
        return false;
    }

    /// <summary>
    /// When <see cref="PeerScorer"/> is set and at least the high watermark of connections is open, closes the
    /// lowest-scored ones (the newest first among equal scores) down to the low watermark. Connections opened less
    /// than <see cref="PeerHostOptions.TrimGracePeriod"/> ago are spared, so fewer may be closed.
    /// </summary>
    /// <returns>How many connections were closed.</returns>
    public int Trim()
    {
        var scorer = PeerScorer;
        var open = _connections.Values.Where(c => !c.IsClosed).ToArray();
        if (scorer is null || open.Length < _options.HighWater) return 0;
        var graceStart = _options.Time.GetUtcNow() - _options.TrimGracePeriod;
        var victims = open
            .Where(c => _options.TrimGracePeriod == TimeSpan.Zero || c.OpenedAt <= graceStart)
            .Select(c => (Connection: c, Score: scorer(c.RemotePeer)))
            .OrderBy(v => v.Score)
            .ThenByDescending(v => v.Connection.Id)
            .Take(open.Length - _options.LowWater)
            .ToArray();
        foreach (var (victim, score) in victims)
        {
            _connections.TryRemove(victim.Id, out _);
            _logger.LogInformation("Trimming connection to {Peer} (score {Score:0.##}): {Count} connections open", victim.RemotePeer, score, open.Length);
            _tasks.Run($"trim {victim}", _ => victim.DisposeAsync().AsTask());
        }
        return victims.Length;
    }

    /// <summary>Refuses new connections from now on.</summary>
    public void Stop() => Volatile.Write(ref _stopped, 1);

    /// <summary>Closes the open connections gracefully, waiting at most 5 s.</summary>
    public async Task CloseAllAsync()
    {
        var closing = _connections.Values.Select(c => c.DisposeAsync().AsTask()).ToArray();
        try
        {
            await Task.WhenAll(closing).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or IOException or ObjectDisposedException)
        {
            _logger.LogDebug("Closing connections at shutdown: {Reason}", e.Message);
        }
    }

    private async Task WatchAsync(Connection connection, CancellationToken ct)
    {
        try
        {
            await connection.Completion.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogInformation("Connection to {Peer} ended: {Reason}", connection.RemotePeer, e.Message);
        }
        catch (OperationCanceledException)
        {
        }
        await connection.DisposeAsync().ConfigureAwait(false);
        _connections.TryRemove(connection.Id, out _);
        _logger.LogInformation("Disconnected from {Peer}", connection.RemotePeer);
        _closed(connection);
    }
}
