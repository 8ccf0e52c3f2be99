using System.Diagnostics.Metrics;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.NameResolution;
using Cerebrum.Core.Network.Resources;
using Cerebrum.Core.Operator.Admin;
using Cerebrum.Daemon.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Network;

/// <summary>
/// The daemon's libp2p presence: owns the network <see cref="PeerHost"/> for the daemon's lifetime, and keeps
/// connections to the bootstrap peers. Stopping it closes every connection gracefully.
/// </summary>
public sealed class NetworkService : IHostedLifecycleService, IAsyncDisposable
{
    private readonly NetworkOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<NetworkService> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task _bootstrap = Task.CompletedTask;
    private bool _disposed;

    public NetworkService(PrivateKey identity, DaemonOptions options, TimeProvider time, ILoggerFactory loggerFactory, IMeterFactory meterFactory)
    {
        _options = options.Network;
        _time = time;
        _logger = loggerFactory.CreateLogger<NetworkService>();
        var seed = options.HasMode(DaemonModes.Seed);
        Host = new PeerHost(new PeerHostOptions
        {
            Identity = identity,
            ListenAddresses = [.. _options.ListenAddresses.Select(Multiaddress.Parse)],
            AnnounceAddresses = [.. _options.AnnounceAddresses.Select(Multiaddress.Parse)],
            AgentVersion = DaemonVersion.AgentVersion,
            DialTimeout = _options.DialTimeout,
            DialBackoffBase = _options.DialBackoffBase,
            DialBackoffMax = _options.DialBackoffMax,
            // A seed is where every newcomer first connects: many connections, each cheap (no models, no jobs on it).
            MaxConnections = seed ? SeedMaxConnections : new PeerHostOptions { Identity = identity }.MaxConnections,
            Perf = _options.Perf.ToPerfOptions(),
            Resources = ForMode(_options.Resources.ToResourceManagerOptions(), seed),
            Time = time,
        }, loggerFactory, meterFactory);
        Reachability = new ReachabilityServices(Host, _options, seed || options.HasMode(DaemonModes.Validator), seed, loggerFactory);
    }

    /// <summary>The connection cap of a seed (a plain daemon keeps the host's default).</summary>
    public const int SeedMaxConnections = 4096;

    public PeerHost Host { get; }

    /// <summary>
    /// A seed's system scope admits <see cref="SeedMaxConnections"/> connections unless Network:Resources:System says
    /// otherwise: the memory-scaled defaults would cap it far lower. Per-IP, per-peer and transient limits still apply.
    /// </summary>
    private static ResourceManagerOptions ForMode(ResourceManagerOptions resources, bool seed) => !seed ? resources : resources with
    {
        System = resources.System with
        {
            ConnectionsInbound = resources.System.ConnectionsInbound ?? SeedMaxConnections,
            Connections = resources.System.Connections ?? SeedMaxConnections,
        },
    };

    /// <summary>AutoNAT, circuit relay, hole punching and the DHT on <see cref="Host"/>.</summary>
    public ReachabilityServices Reachability { get; }

    public PeerId PeerId => Host.PeerId;

    public string AgentVersion => DaemonVersion.AgentVersion;

    public DateTimeOffset StartedAt => Host.StartedAt;

    /// <summary>Bound listen addresses (actual ports) with /p2p/&lt;peer-id&gt; appended: what peers dial.</summary>
    public IReadOnlyList<string> AnnouncedListenAddresses =>
        [.. Host.ListenAddresses.Where(a => !Core.Network.Addressing.AddressScope.IsRelayed(a)).Select(a => a.WithPeerId(PeerId).ToString())];

    /// <summary>Reachability, relays and connection kinds for <c>GET /status</c>.</summary>
    public ReachabilityResponse DescribeReachability()
    {
        var connections = Host.Connections;
        return new ReachabilityResponse(
            Status: Reachability.Status,
            Relays: [.. Reachability.Relay.ActiveRelays.Select(r => r.ToString())],
            Advertised: [.. Host.AdvertisedAddresses.Select(a => a.ToString())],
            DirectConnections: connections.Count(c => !c.IsRelayed),
            RelayedConnections: connections.Count(c => c.IsRelayed),
            Relaying: Reachability.Relay.Server is not null,
            DhtServer: Reachability.Dht.ServeRequests,
            DhtPeers: Reachability.Dht.Node.RoutingTableSize,
            RelayReservations: Reachability.Relay.Server?.ReservationCount ?? 0,
            RelayCircuits: Reachability.Relay.Server?.CircuitCount ?? 0,
            RelayCircuitsEnded: Reachability.Relay.CircuitsCompleted,
            HolePunchUpgrades: Reachability.HolePunch.Upgraded,
            HolePunchFailures: Reachability.HolePunch.Failed,
            AutoNatDialBacks: Reachability.AutoNat.DialBacksSucceeded,
            AutoNatDialBackFailures: Reachability.AutoNat.DialBacksFailed,
            DhtRequestsSent: Reachability.Dht.Node.RequestsSent);
    }

    public int ConnectedPeerCount => Host.Connections.Select(c => c.RemotePeer).Distinct().Count();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        NativeSecp256k1.LogIfFallback(_logger);
        await Host.StartAsync(cancellationToken);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Dials the bootstrap peers once every service has started, so that each protocol (gossipsub among them) is served
    /// when the peer opens its streams: a peer dialled while, say, the node still loads its models would find no
    /// gossipsub here, and would send us its subscriptions only once our own gossipsub stream reached it.
    /// </summary>
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var dialers = _options.BootstrapPeers
            .Select(address => new BootstrapDialer(Host, Multiaddress.Parse(address), _options, _time, _logger, Reachability.Dnsaddr))
            .Select(dialer => dialer.RunAsync(_stopping.Token))
            .ToArray();
        _bootstrap = Task.WhenAll(dialers);
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _bootstrap.WaitAsync(cancellationToken);
        await Host.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        await _stopping.CancelAsync();
        await _bootstrap;
        await Host.DisposeAsync();
        _stopping.Dispose();
    }
}
