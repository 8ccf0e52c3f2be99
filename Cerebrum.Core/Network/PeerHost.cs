using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Cerebrum.Core.Common;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Addresses;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Listening;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Noise;
using Cerebrum.Core.Network.Peers;
using Cerebrum.Core.Network.Protocols;
using Cerebrum.Core.Network.Protocols.Identify;
using Cerebrum.Core.Network.Protocols.Perf;
using Cerebrum.Core.Network.Protocols.Ping;
using Cerebrum.Core.Network.Resources;
using Cerebrum.Core.Network.Streams;
using Cerebrum.Core.Network.Transport;
using Cerebrum.Core.Network.Upgrading;
using Cerebrum.Core.Network.Yamux;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Core.Network;

/// <summary>
/// This peer's libp2p host, the entry type of the Network layer. It puts the parts together and is what the layers
/// above use: the <see cref="Dialer"/> and the <see cref="Listener"/> move raw connections through the
/// <see cref="ConnectionUpgrader"/> (Noise, Yamux) into the <see cref="ConnectionManager"/>; the
/// <see cref="StreamRouter"/> hands inbound streams to protocol handlers; protocol services (<see cref="IPeerService"/>:
/// identify, ping, perf, and whatever is added) own their work per connection.
/// </summary>
/// <remarks>
/// Named for what it is, the host of this peer, and not <c>Host</c>, which every daemon file also sees as
/// Microsoft.Extensions.Hosting.Host.
/// </remarks>
public sealed class PeerHost : IAsyncDisposable
{
    private readonly PeerHostOptions _options;
    private readonly ILogger _logger;
    private readonly BackgroundTasks _tasks;
    private readonly SharedStaticNoiseKeySource _noiseKeys = new();
    private readonly TransportSet _transports = new(new TcpTransport());
    private readonly ConnectionManager _connections;
    private readonly StreamRouter _router;
    private readonly Dialer _dialer;
    private readonly Listener _listener;
    private readonly AddressManager _addresses;
    private readonly ObservedAddressBook _observed = new();
    private readonly HolePunchExpectations _holePunches;
    private readonly List<IPeerService> _services = [];
    private bool _servicesStarted;
    private int _state; // 0 created, 1 started, 2 disposed

    /// <param name="meterFactory">Publishes the host's <see cref="NetworkMetrics"/>; null publishes none.</param>
    public PeerHost(PeerHostOptions options, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        loggerFactory ??= NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger<PeerHost>();
        _tasks = new BackgroundTasks(_logger);
        PeerStore = new PeerStore(options.MaxPeerStoreEntries, options.Time);
        _connections = new ConnectionManager(options, PeerStore, _tasks, loggerFactory.CreateLogger<ConnectionManager>(),
            OnConnectionOpened, OnConnectionClosed);
        _router = new StreamRouter(options, _tasks, loggerFactory.CreateLogger<StreamRouter>());
        var instruments = PeerHostInstruments.Create(meterFactory, () => Connections);
        var resourceMetrics = ResourceMetrics.Create(meterFactory);
        Resources = options.ResourceManager
            ?? new ResourceManager(options.Resources, resourceMetrics, loggerFactory.CreateLogger<ResourceManager>());
        var upgrader = new ConnectionUpgrader(options, _noiseKeys, instruments, loggerFactory.CreateLogger<YamuxSession>());
        _dialer = new Dialer(options, _transports, upgrader, _connections, Resources, PeerStore, _tasks.Stopping);
        _holePunches = new HolePunchExpectations(options.Time);
        _listener = new Listener(options, _transports, upgrader, _connections, Resources, resourceMetrics, _tasks, _holePunches,
            loggerFactory.CreateLogger<Listener>());
        _addresses = new AddressManager(options, () => _listener.Addresses);

        Identify = new IdentifyService(this, loggerFactory.CreateLogger<IdentifyService>());
        Ping = new PingService(options.Time, options.PingInterval, PeerStore, loggerFactory.CreateLogger<PingService>());
        Perf = new PerfService(options.Time, options.Perf);
        AddService(Identify);
        AddService(Ping);
        AddService(Perf);
        _router.ProtocolsChanged += OnProtocolsChanged;
    }

    public PeerId PeerId => _options.Identity.PeerId;

    public PrivateKey Identity => _options.Identity;

    public PeerHostOptions Options => _options;

    public DateTimeOffset StartedAt { get; private set; }

    public PeerStore PeerStore { get; }

    public IdentifyService Identify { get; }

    public PingService Ping { get; }

    public PerfService Perf { get; }

    /// <summary>
    /// Accounts for every connection, stream and reservation, and refuses beyond the limits: the host's own
    /// <see cref="ResourceManager"/> unless <see cref="PeerHostOptions.ResourceManager"/> gave another. Services count
    /// their own memory through <see cref="IResourceManager.OpenServiceScope"/>, handlers through their stream's scope
    /// (<see cref="ProtocolStream.Resources"/>).
    /// </summary>
    public IResourceManager Resources { get; }

    /// <summary>The bound listen addresses (actual ports), without /p2p.</summary>
    public IReadOnlyList<Multiaddress> ListenAddresses => _listener.Addresses;

    /// <summary>
    /// Addresses other peers can dial: <see cref="PeerHostOptions.AnnounceAddresses"/> when set, otherwise the bound ones
    /// with wildcard binds expanded to this machine's interface addresses.
    /// </summary>
    public IReadOnlyList<Multiaddress> AdvertisedAddresses => _addresses.Advertised;

    /// <summary>
    /// Where peers may reach us from outside: each IP peers observe us at (identify, over direct connections) with each
    /// TCP port we listen on. Not verified: what AutoNAT has tested and hole punching offers.
    /// </summary>
    public IReadOnlyList<Multiaddress> ObservedAddresses => _observed.Candidates(_addresses.Direct);

    /// <summary>
    /// This host's signed peer record (an encoded envelope) over <see cref="AdvertisedAddresses"/>, sent in identify.
    /// Signed again, with a higher sequence number, whenever the addresses change.
    /// </summary>
    public ReadOnlyMemory<byte> SignedPeerRecord => SignedPeerRecordOver(AdvertisedAddresses);

    public IReadOnlyCollection<Connection> Connections => _connections.Open;

    public IReadOnlyCollection<string> Protocols => _router.Protocols;

    /// <summary>
    /// Scores peers for the connection manager (e.g. the gossipsub router's score). When set and a connection arrives
    /// at the high watermark, the lowest-scored connections are closed down to the low watermark instead of refusing it.
    /// </summary>
    public Func<PeerId, double>? PeerScorer
    {
        get => _connections.PeerScorer;
        set => _connections.PeerScorer = value;
    }

    /// <summary>Raised after a connection is upgraded and registered (on a pool thread; keep handlers short).</summary>
    public event EventHandler<ConnectionEventArgs>? ConnectionOpened;

    /// <summary>Raised once a connection has ended.</summary>
    public event EventHandler<ConnectionEventArgs>? ConnectionClosed;

    /// <summary>Raised after <see cref="AdvertisedAddresses"/> changed (a listener, a relay reservation, a confirmed address); peers have been told.</summary>
    public event EventHandler? AddressesChanged;

    /// <summary>Registers (or replaces) the handler of inbound streams negotiating <paramref name="protocol"/>.</summary>
    public void SetHandler(string protocol, ProtocolHandler handler) => _router.SetHandler(protocol, handler);

    public bool RemoveHandler(string protocol) => _router.RemoveHandler(protocol);

    /// <summary>
    /// Adds a protocol service: registers its handlers, tells it the host started (now, if it has), and of every
    /// connection from then on (and of those already open). The host disposes it at shutdown.
    /// </summary>
    public void AddService(IPeerService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _state) == 2, this);
        foreach (var (protocol, handler) in service.Handlers)
            _router.SetHandler(protocol, handler);
        bool started;
        lock (_services)
        {
            _services.Add(service);
            started = _servicesStarted;
        }
        // Not started yet: StartAsync tells it, exactly once, as it tells every service added before it.
        if (!started)
            return;
        service.OnStarted();
        foreach (var connection in Connections)
            service.OnConnectionOpened(connection);
    }

    /// <summary>
    /// Adds a transport (e.g. circuit relay) after the built-in TCP one: dials go to the first transport that can dial
    /// the address; listen addresses are bound at start by the first that can listen on them.
    /// </summary>
    public void AddTransport(ITransport transport) => _transports.Add(transport);

    /// <summary>
    /// Adds advertised addresses learned at run time (e.g. circuit addresses while relay reservations hold); read
    /// whenever the addresses are asked for. Call <see cref="NotifyAddressesChanged"/> when what it returns changes.
    /// </summary>
    public void AddAddressSource(Func<IReadOnlyList<Multiaddress>> source) => _addresses.AddSource(source);

    /// <summary>Our addresses changed: connected peers learn it through identify push, and <see cref="AddressesChanged"/> is raised.</summary>
    public void NotifyAddressesChanged()
    {
        if (Volatile.Read(ref _state) != 1)
            return;
        Identify.PushToAll();
        AddressesChanged?.Invoke(this, EventArgs.Empty);
    }

    /// <summary>Binds <paramref name="address"/> on a running host (e.g. the relay transport's <c>/p2p-circuit</c> once it is added).</summary>
    /// <exception cref="ArgumentException">No transport can listen on it.</exception>
    /// <exception cref="InvalidOperationException">The host is not running, or the address cannot be bound.</exception>
    public Multiaddress Listen(Multiaddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (Volatile.Read(ref _state) != 1)
            throw new InvalidOperationException("the host is not running");
        Multiaddress bound;
        try
        {
            bound = _listener.Listen(address);
        }
        catch (SocketException e)
        {
            throw new InvalidOperationException($"cannot listen on {address}: {e.Message}", e);
        }
        _logger.LogInformation("Listening on {Address}/p2p/{PeerId}", bound, PeerId);
        NotifyAddressesChanged();
        return bound;
    }

    /// <summary>Binds every listen address and starts accepting connections.</summary>
    public Task StartAsync(CancellationToken ct = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
            throw new InvalidOperationException("the host was already started or disposed");
        StartedAt = _options.Time.GetUtcNow();
        Multiaddress? address = null;
        try
        {
            foreach (var listenAddress in _options.ListenAddresses)
            {
                ct.ThrowIfCancellationRequested();
                address = listenAddress;
                var bound = _listener.Listen(address);
                _logger.LogInformation("Listening on {Address}/p2p/{PeerId}", bound, PeerId);
            }
        }
        catch (SocketException e)
        {
            _listener.Close();
            throw new InvalidOperationException($"cannot listen on {address}: {e.Message}", e);
        }
        IPeerService[] services;
        lock (_services)
        {
            _servicesStarted = true;
            services = [.. _services];
        }
        foreach (var service in services)
            service.OnStarted();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Dials <paramref name="address"/> (which may end in /p2p/&lt;id&gt;, then the handshake must prove that ID),
    /// reusing an existing connection to that peer when there is one.
    /// </summary>
    /// <exception cref="DialException">With the reason the dial failed.</exception>
    public Task<Connection> DialAsync(Multiaddress address, CancellationToken ct = default) => _dialer.DialAsync(address, DialOptions.Default, ct);

    /// <summary>Dials <paramref name="address"/> as <paramref name="options"/> say (a new connection, a handshake role, the local port).</summary>
    /// <exception cref="DialException">With the reason the dial failed.</exception>
    public Task<Connection> DialAsync(Multiaddress address, DialOptions options, CancellationToken ct = default) => _dialer.DialAsync(address, options, ct);

    public Task<Connection> DialAsync(string address, CancellationToken ct = default) =>
        DialAsync(Multiaddress.Parse(address), ct);

    /// <summary>Returns a live connection to <paramref name="peer"/>, dialing its known addresses when needed.</summary>
    public Task<Connection> ConnectAsync(PeerId peer, CancellationToken ct = default) => _dialer.ConnectAsync(peer, ct);

    /// <summary>The live connection to <paramref name="peer"/> streams go on: the oldest direct one, else the oldest relayed one; null when none.</summary>
    public Connection? FindConnection(PeerId peer) => _connections.Find(peer);

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

    /// <summary>One ping round trip on <paramref name="connection"/>, recorded as its latency.</summary>
    public Task<TimeSpan> PingAsync(Connection connection, CancellationToken ct = default) => Ping.PingAsync(connection, ct);

    public Task<IdentifyResult> IdentifyAsync(Connection connection, CancellationToken ct = default) =>
        Identify.IdentifyAsync(connection, ct);

    public Task<PerfResult> PerfAsync(Connection connection, long uploadBytes, long downloadBytes, int streams = 1, CancellationToken ct = default) =>
        Perf.RunAsync(connection, uploadBytes, downloadBytes, streams, ct);

    /// <summary>Closes every connection to <paramref name="peer"/>.</summary>
    public Task DisconnectAsync(PeerId peer) => _connections.DisconnectAsync(peer);

    /// <summary>Closes every connection to <paramref name="peer"/>, and refuses its connections and our dials to it for <paramref name="duration"/>.</summary>
    public Task BanAsync(PeerId peer, TimeSpan duration) => _connections.BanAsync(peer, duration);

    /// <summary>Whether <paramref name="peer"/> is banned now.</summary>
    public bool IsBanned(PeerId peer) => _connections.IsBanned(peer);

    /// <summary>
    /// When <see cref="PeerScorer"/> is set and at least the high watermark of connections is open, closes the
    /// lowest-scored ones (the newest first among equal scores) down to the low watermark. Connections opened less
    /// than <see cref="PeerHostOptions.TrimGracePeriod"/> ago are spared, so fewer may be closed.
    /// </summary>
    /// <returns>How many connections were closed.</returns>
    public int TrimConnections() => _connections.Trim();

    /// <summary>Stops listening, closes all connections gracefully, and stops the services and all background work.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _state, 2) == 2)
            return;
        _connections.Stop();
        _listener.Close();
        await _connections.CloseAllAsync().ConfigureAwait(false);
        foreach (var service in Services)
            await service.DisposeAsync().ConfigureAwait(false);
        await _tasks.DisposeAsync().ConfigureAwait(false);
        _noiseKeys.Dispose();
    }

    /// <summary>Inbound connections in their handshake now (each holds one of <see cref="PeerHostOptions.MaxPendingInbound"/>).</summary>
    internal int PendingInboundHandshakes => _listener.PendingCount;

    /// <summary>
    /// Until disposed (at most <paramref name="lifetime"/>), an inbound connection from one of <paramref name="addresses"/>
    /// takes the initiator's side of the handshake with <paramref name="peer"/>: a hole punch where we initiate, whose
    /// other dial may reach our listener instead of meeting ours (see <see cref="HolePunchExpectations"/>).
    /// </summary>
    internal IDisposable ExpectHolePunch(IEnumerable<Multiaddress> addresses, PeerId peer, TimeSpan lifetime) =>
        _holePunches.Expect(addresses, peer, lifetime);

    /// <summary>What <paramref name="connection"/>'s peer says it sees us at (identify); only direct connections tell anything.</summary>
    internal void RecordObservedAddress(Connection connection, Multiaddress observed)
    {
        if (!connection.IsRelayed)
            _observed.Record(connection.RemotePeer, observed);
    }

    /// <summary>The signed peer record over <paramref name="addresses"/> (<see cref="AdvertisedAddresses"/> the caller already has).</summary>
    internal ReadOnlyMemory<byte> SignedPeerRecordOver(IReadOnlyList<Multiaddress> addresses) => _addresses.SignedPeerRecordOver(addresses);

    private IPeerService[] Services
    {
        get
        {
            lock (_services) return [.. _services];
        }
    }

    private void OnConnectionOpened(Connection connection)
    {
        _router.Serve(connection);
        foreach (var service in Services)
            service.OnConnectionOpened(connection);
        ConnectionOpened?.Invoke(this, new ConnectionEventArgs(connection));
    }

    private void OnConnectionClosed(Connection connection)
    {
        foreach (var service in Services)
            service.OnConnectionClosed(connection);
        ConnectionClosed?.Invoke(this, new ConnectionEventArgs(connection));
    }

    /// <summary>Peers learn of our protocols through identify push (only once started; before, no one is connected).</summary>
    private void OnProtocolsChanged()
    {
        if (Volatile.Read(ref _state) == 1)
            Identify.PushToAll();
    }
}
