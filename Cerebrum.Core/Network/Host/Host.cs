using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Cerebrum.Core.Common;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Noise;
using Cerebrum.Core.Network.Protocols.Identify;
using Cerebrum.Core.Network.Protocols.Perf;
using Cerebrum.Core.Network.Protocols.Ping;
using Cerebrum.Core.Network.Transport;
using Cerebrum.Core.Network.Yamux;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Core.Network;

/// <summary>
/// A libp2p host: listens and dials over TCP, upgrades connections (Noise, Yamux), routes inbound streams to
/// protocol handlers, and runs identify and ping on every connection. The entry type of the Network layer.
/// </summary>
public sealed class Host : IAsyncDisposable
{
    private readonly HostOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly BackgroundTasks _tasks;
    private readonly ConcurrentDictionary<string, ProtocolHandler> _handlers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, Connection> _connections = new();
    private readonly ConcurrentDictionary<string, Lazy<Task<Connection>>> _pendingDials = new(StringComparer.Ordinal);
    private readonly List<(Socket Socket, Multiaddress Address)> _listeners = [];
    private readonly Lock _peerRecordLock = new();
    private (Records.PeerRecord Record, byte[] Envelope)? _peerRecord;
    private readonly DialBackoff _backoff;
    private readonly SharedStaticNoiseKeySource _noiseKeys = new();
    private readonly ConcurrentDictionary<PeerId, DateTimeOffset> _bans = new();
    private readonly HostInstruments? _instruments;
    private int _pendingInbound;
    private int _state; // 0 created, 1 started, 2 disposed

    /// <param name="meterFactory">Publishes the host's <see cref="NetworkMetrics"/>; null publishes none.</param>
    public Host(HostOptions options, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<Host>();
        _tasks = new BackgroundTasks(_logger);
        _backoff = new DialBackoff(options.DialBackoffBase, options.DialBackoffMax, options.Time);
        PeerStore = new PeerStore(options.MaxPeerStoreEntries, options.Time);
        Identify = new IdentifyService(this, _loggerFactory.CreateLogger<IdentifyService>());
        Ping = new PingService(options.Time);
        Perf = new PerfService(options.Time);
        SetHandler(IdentifyService.ProtocolId, Identify.HandleIdentifyAsync);
        SetHandler(IdentifyService.PushProtocolId, Identify.HandlePushAsync);
        SetHandler(PingService.ProtocolId, Ping.HandleAsync);
        SetHandler(PerfService.ProtocolId, Perf.HandleAsync);
        _instruments = HostInstruments.Create(meterFactory, () => Connections);
    }

    public PeerId PeerId => _options.Identity.PeerId;

    public PrivateKey Identity => _options.Identity;

    public HostOptions Options => _options;

    public DateTimeOffset StartedAt { get; private set; }

    public PeerStore PeerStore { get; }

    public IdentifyService Identify { get; }

    public PingService Ping { get; }

    public PerfService Perf { get; }

    /// <summary>The bound listen addresses (actual ports), without /p2p.</summary>
    public IReadOnlyList<Multiaddress> ListenAddresses
    {
        get
        {
            lock (_listeners) return [.. _listeners.Select(l => l.Address)];
        }
    }

    /// <summary>
    /// Addresses other peers can dial: <see cref="HostOptions.AnnounceAddresses"/> when set, otherwise the bound ones
    /// with wildcard binds expanded to this machine's interface addresses.
    /// </summary>
    public IReadOnlyList<Multiaddress> AdvertisedAddresses => _options.AnnounceAddresses.Count > 0
        ? [.. _options.AnnounceAddresses.Select(a => a.WithoutPeerId()).Distinct()]
        : [.. ListenAddresses.SelectMany(ExpandWildcard).Distinct()];

    /// <summary>
    /// This host's signed peer record (an encoded envelope) over <see cref="AdvertisedAddresses"/>, sent in identify.
    /// Signed again, with a higher sequence number, whenever the addresses change.
    /// </summary>
    public ReadOnlyMemory<byte> SignedPeerRecord => SignedPeerRecordOver(AdvertisedAddresses);

    /// <summary>The signed peer record over <paramref name="addresses"/> (<see cref="AdvertisedAddresses"/> the caller already has).</summary>
    internal ReadOnlyMemory<byte> SignedPeerRecordOver(IReadOnlyList<Multiaddress> addresses)
    {
        lock (_peerRecordLock)
        {
            if (_peerRecord is { } current && current.Record.Addresses.SequenceEqual(addresses))
                return current.Envelope;
            // Milliseconds since the epoch, as other implementations use, kept increasing within this process.
            var sequence = Math.Max((ulong)Math.Max(0, _options.Time.GetUtcNow().ToUnixTimeMilliseconds()), (_peerRecord?.Record.Sequence ?? 0) + 1);
            var record = new Records.PeerRecord(PeerId, sequence, addresses);
            _peerRecord = (record, record.Sign(Identity));
            return _peerRecord.Value.Envelope;
        }
    }

    public IReadOnlyCollection<Connection> Connections => [.. _connections.Values.Where(c => !c.IsClosed)];

    public IReadOnlyCollection<string> Protocols => [.. _handlers.Keys.Order(StringComparer.Ordinal)];

    /// <summary>
    /// Scores peers for the connection manager (e.g. the gossipsub router's score). When set and a connection arrives
    /// at the high watermark, the lowest-scored connections are closed down to the low watermark instead of refusing it.
    /// </summary>
    public Func<PeerId, double>? PeerScorer { get; set; }

    /// <summary>Raised after a connection is upgraded and registered (on a pool thread; keep handlers short).</summary>
    public event EventHandler<ConnectionEventArgs>? ConnectionOpened;

    /// <summary>Raised once a connection has ended.</summary>
    public event EventHandler<ConnectionEventArgs>? ConnectionClosed;

    /// <summary>Registers (or replaces) the handler of inbound streams negotiating <paramref name="protocol"/>.</summary>
    public void SetHandler(string protocol, ProtocolHandler handler)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(protocol);
        ArgumentNullException.ThrowIfNull(handler);
        var added = _handlers.TryAdd(protocol, handler);
        if (!added) _handlers[protocol] = handler;
        else if (Volatile.Read(ref _state) == 1) PushIdentify();
    }

    public bool RemoveHandler(string protocol)
    {
        var removed = _handlers.TryRemove(protocol, out _);
        if (removed && Volatile.Read(ref _state) == 1) PushIdentify();
        return removed;
    }

    /// <summary>Binds every listen address and starts accepting connections.</summary>
    public Task StartAsync(CancellationToken ct = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
            throw new InvalidOperationException("the host was already started or disposed");
        StartedAt = _options.Time.GetUtcNow();
        var address = _options.ListenAddresses.Count > 0 ? _options.ListenAddresses[0] : null;
        try
        {
            foreach (var listenAddress in _options.ListenAddresses)
            {
                ct.ThrowIfCancellationRequested();
                address = listenAddress;
                var socket = TcpTransport.Listen(address);
                var bound = Multiaddress.FromEndPoint((IPEndPoint)socket.LocalEndPoint!);
                lock (_listeners) _listeners.Add((socket, bound));
                _logger.LogInformation("Listening on {Address}/p2p/{PeerId}", bound, PeerId);
                _tasks.Run($"accept loop {bound}", token => AcceptLoopAsync(socket, bound, token));
            }
        }
        catch (SocketException e)
        {
            CloseListeners();
            throw new InvalidOperationException($"cannot listen on {address}: {e.Message}", e);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Dials <paramref name="address"/> (which may end in /p2p/&lt;id&gt;, then the handshake must prove that ID),
    /// reusing an existing connection to that peer when there is one.
    /// </summary>
    /// <exception cref="DialException">With the reason the dial failed.</exception>
    public async Task<Connection> DialAsync(Multiaddress address, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (Volatile.Read(ref _state) == 2)
            throw new DialException(DialFailureReason.HostStopped, "the host is stopped");
        if (!TcpTransport.CanDial(address))
            throw new DialException(DialFailureReason.InvalidAddress, $"cannot dial '{address}': expected /ip4, /ip6, /dns, /dns4 or /dns6 with /tcp");
        var expected = address.PeerId;
        if (expected == PeerId)
            throw new DialException(DialFailureReason.DialSelf, "refusing to dial our own peer ID");
        if (expected is not null && FindConnection(expected) is { } existing)
            return existing;
        if (expected is not null && IsBanned(expected))
            throw new DialException(DialFailureReason.Banned, $"{expected} is banned");

        var key = expected?.ToString() ?? address.ToString();
        if (_backoff.RemainingFor(key) is { } remaining)
            throw new DialException(DialFailureReason.Backoff, $"dialing {key} is backed off for another {remaining.TotalSeconds:0.#} s after recent failures");

        var dial = _pendingDials.GetOrAdd(key, k => new Lazy<Task<Connection>>(() => DialOnceAsync(address, expected, k)));
        return await dial.Value.WaitAsync(ct).ConfigureAwait(false);
    }

    public Task<Connection> DialAsync(string address, CancellationToken ct = default) =>
        DialAsync(Multiaddress.Parse(address), ct);

    /// <summary>Returns a live connection to <paramref name="peer"/>, dialing its known addresses when needed.</summary>
    public async Task<Connection> ConnectAsync(PeerId peer, CancellationToken ct = default)
    {
        if (FindConnection(peer) is { } existing)
            return existing;
        var addresses = PeerStore.Get(peer)?.Addresses ?? [];
        if (addresses.Count == 0)
            throw new DialException(DialFailureReason.Unreachable, $"no known address for {peer}");
        DialException? last = null;
        foreach (var address in addresses)
        {
            try
            {
                return await DialAsync(address.WithPeerId(peer), ct).ConfigureAwait(false);
            }
            catch (DialException e)
            {
                last = e;
            }
        }
        throw last!;
    }

    /// <summary>The oldest live connection to <paramref name="peer"/>, if any.</summary>
    public Connection? FindConnection(PeerId peer) =>
        _connections.Values.Where(c => !c.IsClosed && c.RemotePeer == peer).MinBy(c => c.Id);

    /// <summary>Opens a stream to <paramref name="peer"/> (connecting when needed) for the first supported protocol.</summary>
    public async Task<ProtocolStream> OpenStreamAsync(PeerId peer, IReadOnlyList<string> protocols, CancellationToken ct = default)
    {
        var connection = await ConnectAsync(peer, ct).ConfigureAwait(false);
        return await connection.OpenStreamAsync(protocols, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens a stream to <paramref name="peer"/> (connecting when needed) with <paramref name="protocol"/> proposed
    /// lazily, ahead of the first write (see <see cref="Connection.OpenStreamLazyAsync"/>).
    /// </summary>
    public async Task<ProtocolStream> OpenStreamLazyAsync(PeerId peer, string protocol, CancellationToken ct = default)
    {
        var connection = await ConnectAsync(peer, ct).ConfigureAwait(false);
        return await connection.OpenStreamLazyAsync(protocol, ct).ConfigureAwait(false);
    }

    /// <summary>One ping round trip on <paramref name="connection"/>.</summary>
    public async Task<TimeSpan> PingAsync(Connection connection, CancellationToken ct = default)
    {
        var rtt = await Ping.PingAsync(connection, ct).ConfigureAwait(false);
        RecordRtt(connection, rtt);
        return rtt;
    }

    public Task<IdentifyResult> IdentifyAsync(Connection connection, CancellationToken ct = default) =>
        Identify.IdentifyAsync(connection, ct);

    public Task<PerfResult> PerfAsync(Connection connection, long uploadBytes, long downloadBytes, int streams = 1, CancellationToken ct = default) =>
        Perf.RunAsync(connection, uploadBytes, downloadBytes, streams, ct);

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
    /// than <see cref="HostOptions.TrimGracePeriod"/> ago are spared, so fewer may be closed.
    /// </summary>
    /// <returns>How many connections were closed.</returns>
    public int TrimConnections()
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

    /// <summary>Stops listening, closes all connections gracefully, and stops all background work.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _state, 2) == 2)
            return;
        CloseListeners();
        var closing = _connections.Values.Select(c => c.DisposeAsync().AsTask()).ToArray();
        try
        {
            await Task.WhenAll(closing).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or IOException or ObjectDisposedException)
        {
            _logger.LogDebug("Closing connections at shutdown: {Reason}", e.Message);
        }
        await _tasks.DisposeAsync().ConfigureAwait(false);
        _noiseKeys.Dispose();
    }

    internal void RecordRtt(Connection connection, TimeSpan rtt)
    {
        connection.LastRtt = rtt;
        PeerStore.Update(connection.RemotePeer, info => info with { LastRtt = rtt });
    }

    /// <summary>Sends identify push to every connected peer (our protocols or addresses changed).</summary>
    private void PushIdentify()
    {
        foreach (var connection in Connections)
            _tasks.Run("identify push", async ct =>
            {
                try
                {
                    await Identify.PushAsync(connection, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or ProtocolNotSupportedException)
                {
                    // The connection closed meanwhile, or the peer has no push: nothing to tell it.
                    _logger.LogDebug("Identify push to {Peer} not delivered: {Reason}", connection.RemotePeer, e.Message);
                }
            });
    }

    private async Task<Connection> DialOnceAsync(Multiaddress address, PeerId? expected, string key)
    {
        try
        {
            var connection = await DialCoreAsync(address, expected).ConfigureAwait(false);
            _backoff.RecordSuccess(key);
            return connection;
        }
        catch (DialException e) when (e.Reason is not DialFailureReason.ConnectionLimit and not DialFailureReason.HostStopped and not DialFailureReason.Banned)
        {
            _backoff.RecordFailure(key);
            throw;
        }
        finally
        {
            _pendingDials.TryRemove(key, out _);
        }
    }

    private async Task<Connection> DialCoreAsync(Multiaddress address, PeerId? expected)
    {
        TrimConnections();
        if (_connections.Count >= _options.MaxConnections)
            throw new DialException(DialFailureReason.ConnectionLimit, $"connection limit of {_options.MaxConnections} reached");

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_tasks.Stopping);
        timeout.CancelAfter(_options.DialTimeout);
        Socket socket;
        try
        {
            socket = await TcpTransport.DialAsync(address, timeout.Token).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new DialException(DialFailureReason.Unreachable, $"{address} is unreachable: {e.Message}", e);
        }
        catch (OperationCanceledException) when (_tasks.Stopping.IsCancellationRequested)
        {
            throw new DialException(DialFailureReason.HostStopped, "the host is stopping");
        }
        catch (OperationCanceledException e)
        {
            throw new DialException(DialFailureReason.Timeout, $"connecting to {address} timed out after {_options.DialTimeout.TotalSeconds:0.#} s", e);
        }

        var remote = Multiaddress.FromEndPoint((IPEndPoint)socket.RemoteEndPoint!);
        var local = Multiaddress.FromEndPoint((IPEndPoint)socket.LocalEndPoint!);
        var raw = Metered(new NetworkStream(socket, ownsSocket: false));
        try
        {
            using var handshake = CancellationTokenSource.CreateLinkedTokenSource(_tasks.Stopping);
            handshake.CancelAfter(_options.HandshakeTimeout);
            var (secure, session) = await ConnectionUpgrader.UpgradeOutboundAsync(
                raw, _options.Identity, _noiseKeys, expected, _options.Yamux, _loggerFactory.CreateLogger<YamuxSession>(), handshake.Token).ConfigureAwait(false);
            var connection = new Connection(socket, secure, session, ConnectionDirection.Outbound, local, remote,
                _options.Time.GetUtcNow(), _options.StreamNegotiationTimeout);
            if (IsBanned(connection.RemotePeer))
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw new DialException(DialFailureReason.Banned, $"{connection.RemotePeer} is banned");
            }
            if (!TryRegister(connection))
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw new DialException(DialFailureReason.HostStopped, "the host is stopping");
            }
            PeerStore.AddAddresses(connection.RemotePeer, [address]);
            return connection;
        }
        catch (Exception e)
        {
            await raw.DisposeAsync().ConfigureAwait(false);
            socket.Dispose();
            throw e switch
            {
                DialException d => d,
                PeerIdMismatchException n => new DialException(DialFailureReason.PeerIdMismatch, n.Message, n),
                ProtocolNotSupportedException p => new DialException(DialFailureReason.NegotiationFailed, $"{address} does not support {p.Message}", p),
                OperationCanceledException when _tasks.Stopping.IsCancellationRequested => new DialException(DialFailureReason.HostStopped, "the host is stopping"),
                OperationCanceledException => new DialException(DialFailureReason.Timeout, $"handshake with {address} timed out after {_options.HandshakeTimeout.TotalSeconds:0.#} s", e),
                _ => new DialException(DialFailureReason.HandshakeFailed, $"handshake with {address} failed: {e.Message}", e),
            };
        }
    }

    private async Task AcceptLoopAsync(Socket listener, Multiaddress bound, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || ct.IsCancellationRequested
                                      || Volatile.Read(ref _state) == 2 || e is SocketException { SocketErrorCode: SocketError.OperationAborted })
            {
                return; // the listener was closed: shutting down
            }
            catch (SocketException e)
            {
                // Transient (e.g. too many open files): log, and keep serving.
                _logger.LogWarning("Accept on {Address} failed: {Reason}", bound, e.Message);
                continue;
            }

            TrimConnections();
            if (_connections.Count >= _options.MaxConnections)
            {
                _logger.LogInformation("Refusing inbound connection from {Remote}: {Max} connections open", socket.RemoteEndPoint, _options.MaxConnections);
                socket.Dispose();
                continue;
            }
            if (Interlocked.Increment(ref _pendingInbound) > _options.MaxPendingInbound)
            {
                Interlocked.Decrement(ref _pendingInbound);
                _logger.LogInformation("Refusing inbound connection from {Remote}: {Max} handshakes already in progress", socket.RemoteEndPoint, _options.MaxPendingInbound);
                socket.Dispose();
                continue;
            }
            _tasks.Run("inbound upgrade", token => UpgradeInboundAsync(socket, bound, token));
        }
    }

    private async Task UpgradeInboundAsync(Socket socket, Multiaddress bound, CancellationToken ct)
    {
        Multiaddress remote;
        try
        {
            remote = Multiaddress.FromEndPoint((IPEndPoint)socket.RemoteEndPoint!);
        }
        catch (SocketException)
        {
            Interlocked.Decrement(ref _pendingInbound);
            socket.Dispose();
            return;
        }
        var raw = Metered(new NetworkStream(socket, ownsSocket: false));
        try
        {
            TcpTransport.Configure(socket);
            using var handshake = CancellationTokenSource.CreateLinkedTokenSource(ct);
            handshake.CancelAfter(_options.HandshakeTimeout);
            var (secure, session) = await ConnectionUpgrader.UpgradeInboundAsync(
                raw, _options.Identity, _noiseKeys, _options.Yamux, _loggerFactory.CreateLogger<YamuxSession>(), handshake.Token).ConfigureAwait(false);
            var connection = new Connection(socket, secure, session, ConnectionDirection.Inbound,
                Multiaddress.FromEndPoint((IPEndPoint)socket.LocalEndPoint!), remote, _options.Time.GetUtcNow(), _options.StreamNegotiationTimeout);
            if (IsBanned(connection.RemotePeer))
            {
                _logger.LogInformation("Closing inbound connection from banned {Peer}", connection.RemotePeer);
                await connection.DisposeAsync().ConfigureAwait(false);
                return;
            }
            if (!TryRegister(connection))
                await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogInformation("Inbound connection from {Remote} failed its handshake: {Reason}", remote,
                e is OperationCanceledException && !ct.IsCancellationRequested ? "timed out" : e.Message);
            await raw.DisposeAsync().ConfigureAwait(false);
            socket.Dispose();
        }
        finally
        {
            Interlocked.Decrement(ref _pendingInbound);
        }
    }

    /// <summary>Adds an upgraded connection and starts its loops; false when the host is stopping (the caller closes it).</summary>
    private bool TryRegister(Connection connection)
    {
        if (Volatile.Read(ref _state) == 2)
            return false;
        _connections[connection.Id] = connection;
        // DisposeAsync may have taken its snapshot of the connections between the check above and the add.
        if (Volatile.Read(ref _state) == 2)
        {
            _connections.TryRemove(connection.Id, out _);
            return false;
        }
        PeerStore.Update(connection.RemotePeer, info => info with { PublicKey = connection.RemotePublicKey });
        _logger.LogInformation("Connected {Direction} to {Peer} at {Address}", connection.Direction, connection.RemotePeer, connection.RemoteAddress);

        _tasks.Run($"streams of {connection}", ct => AcceptStreamsAsync(connection, ct));
        _tasks.Run($"identify {connection}", ct => IdentifyOnConnectAsync(connection, ct));
        if (_options.PingInterval > TimeSpan.Zero)
            _tasks.Run($"ping {connection}", ct => PingLoopAsync(connection, ct));
        _tasks.Run($"watch {connection}", ct => WatchAsync(connection, ct));
        ConnectionOpened?.Invoke(this, new ConnectionEventArgs(connection));
        return true;
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
        ConnectionClosed?.Invoke(this, new ConnectionEventArgs(connection));
    }

    private async Task AcceptStreamsAsync(Connection connection, CancellationToken ct)
    {
        var active = 0;
        while (!ct.IsCancellationRequested)
        {
            YamuxStream stream;
            try
            {
                stream = await connection.Session.AcceptStreamAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            if (Interlocked.Increment(ref active) > _options.MaxInboundStreamsPerConnection)
            {
                Interlocked.Decrement(ref active);
                _logger.LogDebug("Resetting inbound stream from {Peer}: too many concurrent streams", connection.RemotePeer);
                stream.Reset();
                await stream.DisposeAsync().ConfigureAwait(false);
                continue;
            }
            _tasks.Run("inbound stream", async token =>
            {
                try
                {
                    await HandleStreamAsync(connection, stream, token).ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Decrement(ref active);
                }
            });
        }
    }

    private async Task HandleStreamAsync(Connection connection, YamuxStream stream, CancellationToken ct)
    {
        string protocol;
        var refused = false;
        bool IsSupported(string proposal)
        {
            if (_handlers.ContainsKey(proposal)) return true;
            refused = true;
            return false;
        }
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            timeout.CancelAfter(_options.StreamNegotiationTimeout);
            try
            {
                protocol = await MultistreamSelect.HandleAsync(stream, IsSupported, Protocols, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _logger.LogDebug("Stream negotiation with {Peer} failed: {Reason}", connection.RemotePeer, e.Message);
                if (refused && !timeout.IsCancellationRequested)
                    await LetTheRefusalArriveAsync(stream, timeout.Token).ConfigureAwait(false);
                stream.Reset();
                await stream.DisposeAsync().ConfigureAwait(false);
                return;
            }
        }

        if (!_handlers.TryGetValue(protocol, out var handler))
        {
            stream.Reset();
            await stream.DisposeAsync().ConfigureAwait(false);
            return;
        }
        var protocolStream = new ProtocolStream(stream, protocol, connection);
        try
        {
            await handler(protocolStream, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _logger.LogDebug("{Protocol} handler for {Peer} failed: {Reason}", protocol, connection.RemotePeer, e.Message);
            stream.Reset();
        }
        finally
        {
            await protocolStream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// After a refusal, a lazy dialer's application bytes follow its proposal, and we fail to read them as the next one.
    /// A reset now would race our "na" to the dialer, and a yamux reset discards data the reader has not consumed yet,
    /// so the dialer could see a bare reset instead of "protocol not supported". Instead: half-close, and discard what
    /// the dialer sends until it closes or resets (it does on reading the "na"), within the negotiation timeout.
    /// </summary>
    private static async Task LetTheRefusalArriveAsync(YamuxStream stream, CancellationToken timeout)
    {
        var discard = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            await stream.CompleteWritesAsync(timeout).ConfigureAwait(false);
            while (await stream.ReadAsync(discard, timeout).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The dialer reset, the session ended, or the negotiation time ran out: the caller resets either way.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(discard);
        }
    }

    private async Task IdentifyOnConnectAsync(Connection connection, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.HandshakeTimeout);
            await Identify.IdentifyAsync(connection, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            _logger.LogDebug("Identify of {Peer} failed: {Reason}", connection.RemotePeer, e.Message);
        }
    }

    private async Task PingLoopAsync(Connection connection, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_options.PingInterval, _options.Time);
        var failures = 0;
        while (!connection.IsClosed && await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            if (connection.IsClosed) return;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(_options.PingInterval < TimeSpan.FromSeconds(10) ? _options.PingInterval : TimeSpan.FromSeconds(10));
                await PingAsync(connection, timeout.Token).ConfigureAwait(false);
                failures = 0;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                if (e is ProtocolNotSupportedException) return; // a peer without ping is not a dead peer
                if (++failures >= 3)
                {
                    _logger.LogInformation("Closing connection to {Peer}: {Failures} pings failed ({Reason})", connection.RemotePeer, failures, e.Message);
                    await connection.DisposeAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
    }

    private Stream Metered(NetworkStream raw) => _instruments is null ? raw : new MeteredStream(raw, _instruments);

    private void CloseListeners()
    {
        lock (_listeners)
        {
            foreach (var (socket, _) in _listeners) socket.Dispose();
        }
    }

    private static IEnumerable<Multiaddress> ExpandWildcard(Multiaddress address)
    {
        if (!address.TryGetTcpEndpoint(out var host, out var port, out _, out _) || !IPAddress.TryParse(host, out var ip)
            || (!ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any)))
        {
            yield return address;
            yield break;
        }
        IEnumerable<IPAddress> locals;
        try
        {
            locals = NetworkInterface.GetAllNetworkInterfaces()
                .Where(n => n.OperationalStatus == OperationalStatus.Up)
                .SelectMany(n => n.GetIPProperties().UnicastAddresses.Select(u => u.Address))
                .Where(a => a.AddressFamily == ip.AddressFamily && !a.IsIPv6LinkLocal)
                .ToArray();
        }
        catch (NetworkInformationException)
        {
            locals = [ip.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback];
        }
        foreach (var local in locals)
            yield return Multiaddress.FromEndPoint(new IPEndPoint(local, port));
    }
}
