using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Protocols.Ping;
using Cerebrum.Core.Network.Resources;
using Cerebrum.Daemon.Metrics;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Resources;

/// <summary>
/// <see cref="ResourceManager"/>'s accounting without sockets: each scope kind's limit refuses what would exceed it, a
/// refusal leaves nothing held, disposal gives everything back exactly once, and the limits scale with the budget.
/// </summary>
[TestFixture]
public sealed class ResourceManagerLimitTests
{
    private const long Budget = ResourceManagerOptions.MinimumMaxMemory; // per peer: 32 MiB, per IP: 8 inbound connections

    private static ResourceManager Manager(ResourceManagerOptions? options = null, TestMeterFactory? meters = null) =>
        new(options ?? new ResourceManagerOptions { MaxMemory = Budget }, meters);

    private static Multiaddress Remote(string ip) => Multiaddress.Parse(ip.Contains(':') ? $"/ip6/{ip}/tcp/4001" : $"/ip4/{ip}/tcp/4001");

    private static PeerId NewPeer() => PrivateKey.Generate(KeyType.Ed25519).PeerId;

    private static ResourceUsage System(ResourceManager manager) => manager.Usage().Single(u => u.Kind == ResourceScopeKind.System);

    private static IConnectionScope Connected(ResourceManager manager, PeerId peer, string ip = "198.51.100.1")
    {
        var connection = manager.OpenConnection(ConnectionDirection.Inbound, Remote(ip));
        Assert.That(connection, Is.Not.Null);
        Assert.That(connection!.SetPeer(peer), Is.True);
        return connection;
    }

    [Test]
    public void One_ipv4_address_or_ipv6_64_gets_its_share_of_inbound_connections_and_loopback_is_exempt()
    {
        var manager = Manager();
        var held = new List<IConnectionScope>();
        for (var i = 0; i < 8; i++)
            held.Add(manager.OpenConnection(ConnectionDirection.Inbound, Remote("203.0.113.7"))!);
        Assert.That(held, Has.None.Null);
        Assert.That(manager.OpenConnection(ConnectionDirection.Inbound, Remote("203.0.113.7")), Is.Null);
        Assert.That(manager.OpenConnection(ConnectionDirection.Inbound, Remote("203.0.113.8")), Is.Not.Null);

        for (var i = 0; i < 8; i++)
            held.Add(manager.OpenConnection(ConnectionDirection.Inbound, Remote($"2001:db8::{i + 1}"))!);
        Assert.That(held, Has.None.Null);
        Assert.That(manager.OpenConnection(ConnectionDirection.Inbound, Remote("2001:db8::ffff")), Is.Null, "the same /64");
        Assert.That(manager.OpenConnection(ConnectionDirection.Inbound, Remote("2001:db8:0:1::1")), Is.Not.Null, "another /64");

        for (var i = 0; i < 12; i++)
            Assert.That(manager.OpenConnection(ConnectionDirection.Inbound, Remote("127.0.0.1")), Is.Not.Null, "loopback has no per-IP limit");

        held[0].Dispose();
        held[0].Dispose(); // a second disposal gives nothing back twice
        Assert.That(manager.OpenConnection(ConnectionDirection.Inbound, Remote("203.0.113.7")), Is.Not.Null);
        Assert.That(manager.OpenConnection(ConnectionDirection.Inbound, Remote("203.0.113.7")), Is.Null);
    }

    [Test]
    public void Handshaking_connections_are_transient_until_the_peer_is_proven_and_a_peer_has_a_connection_limit()
    {
        var manager = Manager();
        var transientLimit = manager.Limits.Transient.ConnectionsInbound;
        var handshaking = Enumerable.Range(0, transientLimit)
            .Select(i => manager.OpenConnection(ConnectionDirection.Inbound, Remote($"198.51.{i / 200}.{i % 200 + 1}"))!).ToList();
        Assert.That(handshaking, Has.None.Null);
        Assert.That(manager.OpenConnection(ConnectionDirection.Inbound, Remote("192.0.2.1")), Is.Null, "transient is full");

        var peer = NewPeer();
        Assert.That(handshaking[0].SetPeer(peer), Is.True);
        var next = manager.OpenConnection(ConnectionDirection.Inbound, Remote("192.0.2.1"));
        Assert.That(next, Is.Not.Null, "a proven connection leaves transient");

        // The same peer over more connections than its limit: the handshake that would exceed it is refused.
        for (var i = 1; i < manager.Limits.Peer.Connections; i++)
            Assert.That(handshaking[i].SetPeer(peer), Is.True);
        Assert.That(next!.SetPeer(peer), Is.False);
        next.Dispose();
        Assert.That(manager.PeerUsage(peer).ConnectionsInbound, Is.EqualTo(manager.Limits.Peer.Connections));

        foreach (var connection in handshaking) connection.Dispose();
        Assert.That(System(manager), Is.EqualTo(new ResourceUsage(ResourceScopeKind.System, 1, 0, 0, 0, 0, 0)));
        Assert.That(manager.Usage().Single(u => u.Kind == ResourceScopeKind.Peer).Scopes, Is.Zero, "an unused peer scope is dropped");
    }

    [Test]
    public void A_peer_gets_only_a_few_ping_streams_and_a_refused_protocol_gives_its_stream_back()
    {
        var manager = Manager();
        var peer = NewPeer();
        var connection = Connected(manager, peer);
        var pings = new List<IStreamScope>();
        for (var i = 0; i < 4; i++)
        {
            var stream = connection.OpenStream(ConnectionDirection.Inbound)!;
            Assert.That(stream.SetProtocol(PingService.ProtocolId), Is.True);
            pings.Add(stream);
        }
        var fifth = connection.OpenStream(ConnectionDirection.Inbound)!;
        Assert.That(fifth.SetProtocol(PingService.ProtocolId), Is.False);
        fifth.Dispose();
        Assert.That(manager.PeerUsage(peer).StreamsInbound, Is.EqualTo(4));

        var other = connection.OpenStream(ConnectionDirection.Inbound)!;
        Assert.That(other.SetProtocol("/cerebrum/test/1.0.0"), Is.True, "other protocols have their own limits");
        pings[0].Dispose();
        var again = connection.OpenStream(ConnectionDirection.Inbound)!;
        Assert.That(again.SetProtocol(PingService.ProtocolId), Is.True);

        connection.Dispose();
        foreach (var stream in pings.Skip(1).Append(other).Append(again)) stream.Dispose();
        Assert.That(System(manager), Is.EqualTo(new ResourceUsage(ResourceScopeKind.System, 1, 0, 0, 0, 0, 0)));
    }

    [Test]
    public void Memory_is_reserved_against_the_peer_up_to_its_limit_by_priority_and_released_with_the_scope()
    {
        var manager = Manager();
        var limit = manager.Limits.Peer.Memory;
        var peer = NewPeer();
        var connection = Connected(manager, peer);
        var stream = connection.OpenStream(ConnectionDirection.Inbound)!;
        Assert.That(stream.SetProtocol("/cerebrum/test/1.0.0"), Is.True);

        Assert.That(stream.ReserveMemory(limit / 2, ReservationPriority.Low), Is.False, "low priority fills at most about 40%");
        Assert.That(stream.ReserveMemory(limit / 4, ReservationPriority.Low), Is.True);
        Assert.That(connection.ReserveMemory(limit / 2, ReservationPriority.High), Is.True);
        Assert.That(connection.ReserveMemory(limit / 4, ReservationPriority.High), Is.False, "high fills at most about 80%");
        Assert.That(connection.ReserveMemory(limit / 4, ReservationPriority.Always), Is.True);
        Assert.That(stream.ReserveMemory(1, ReservationPriority.Always), Is.False, "the limit is reached");
        Assert.That(manager.PeerUsage(peer).Memory, Is.EqualTo(limit));

        // Another peer has its own budget.
        var otherConnection = Connected(manager, NewPeer());
        Assert.That(otherConnection.ReserveMemory(limit / 2, ReservationPriority.Always), Is.True);

        connection.ReleaseMemory(limit / 4);
        Assert.That(manager.PeerUsage(peer).Memory, Is.EqualTo(limit - limit / 4));
        stream.Dispose();
        Assert.That(manager.PeerUsage(peer).Memory, Is.EqualTo(limit / 2));
        Assert.That(stream.ReserveMemory(1, ReservationPriority.Always), Is.False, "a disposed scope reserves nothing");
        connection.Dispose();
        otherConnection.Dispose();
        Assert.That(System(manager).Memory, Is.Zero);
    }

    [Test]
    public void A_service_scope_counts_against_the_service_and_the_peer()
    {
        var manager = Manager(new ResourceManagerOptions
        {
            MaxMemory = Budget,
            Services = new Dictionary<string, ResourceLimits> { ["relay"] = new() { Memory = 1 << 20 } },
        });
        var peer = NewPeer();
        using var relay = manager.OpenServiceScope("relay", peer);
        Assert.That(relay.ReserveMemory(768 << 10, ReservationPriority.Always), Is.True);
        Assert.That(manager.PeerUsage(peer).Memory, Is.EqualTo(768 << 10));
        using var relayForAnother = manager.OpenServiceScope("relay", NewPeer());
        Assert.That(relayForAnother.ReserveMemory(512 << 10, ReservationPriority.Always), Is.False, "the service's 1 MiB is shared");
        Assert.That(relayForAnother.ReserveMemory(256 << 10, ReservationPriority.Always), Is.True);

        var connection = Connected(manager, peer);
        var stream = connection.OpenStream(ConnectionDirection.Inbound)!;
        Assert.That(stream.SetProtocol("/libp2p/circuit/relay/0.2.0/hop"), Is.True);
        Assert.That(stream.SetService("relay"), Is.True);
        Assert.That(stream.ReserveMemory(1, ReservationPriority.Always), Is.False, "the stream's memory counts against the service too");
        stream.Dispose();
        connection.Dispose();
        relay.Dispose();
        relayForAnother.Dispose();
        Assert.That(System(manager).Memory, Is.Zero);
    }

    [Test]
    public void Refusals_and_usage_are_published_as_metrics()
    {
        using var meters = new TestMeterFactory();
        using var exporter = new PrometheusExporter(meters);
        var manager = Manager(meters: meters);
        var held = Enumerable.Range(0, 9).Select(_ => manager.OpenConnection(ConnectionDirection.Inbound, Remote("203.0.113.9"))).ToList();
        var connection = Connected(manager, NewPeer());
        Assert.That(connection.ReserveMemory(1 << 20, ReservationPriority.Always), Is.True);

        var metrics = MetricsSnapshot.Of(exporter);
        Assert.That(metrics.Value("cerebrum_network_resource_refusals_total", ("scope", "ip"), ("resource", "connections")), Is.EqualTo(1));
        Assert.That(metrics.Value("cerebrum_network_resource_connections", ("scope", "system"), ("direction", "inbound")), Is.EqualTo(9));
        Assert.That(metrics.Value("cerebrum_network_resource_connections", ("scope", "transient"), ("direction", "inbound")), Is.EqualTo(8));
        Assert.That(metrics.Value("cerebrum_network_resource_connections", ("scope", "ip"), ("direction", "inbound")), Is.EqualTo(8));
        Assert.That(metrics.Families.Single(f => f.Name.StartsWith("cerebrum_network_resource_memory", StringComparison.Ordinal))
            .Series.Single(s => s.Labels.Any(l => l is { Key: "scope", Value: "peer" })).Value, Is.EqualTo(1 << 20));
        Assert.That(metrics.Value("cerebrum_network_resource_scopes", ("scope", "peer")), Is.EqualTo(1));
        Assert.That(held.Count(c => c is null), Is.EqualTo(1));
    }

    [Test]
    public void Default_limits_scale_with_the_budget_except_per_peer_and_per_ip_connections()
    {
        var small = new ResourceManagerOptions { MaxMemory = Budget }.Resolve();
        var large = new ResourceManagerOptions { MaxMemory = 4L << 30 }.Resolve();
        Assert.That(large.System.Memory, Is.EqualTo(4L << 30));
        Assert.That(large.System.StreamsInbound, Is.GreaterThan(small.System.StreamsInbound));
        Assert.That(large.Peer.Memory, Is.GreaterThan(small.Peer.Memory));
        Assert.That(large.Peer.Connections, Is.EqualTo(small.Peer.Connections));
        Assert.That(large.Ip.ConnectionsInbound, Is.EqualTo(8));
        Assert.That(large.ForProtocolPeer(PingService.ProtocolId).StreamsInbound, Is.EqualTo(4));
        Assert.That(ResourceManagerOptions.DefaultMaxMemory(), Is.GreaterThanOrEqualTo(ResourceManagerOptions.MinimumMaxMemory));

        var configured = new ResourceManagerOptions
        {
            MaxMemory = Budget,
            Ip = new() { ConnectionsInbound = 2 },
            ProtocolPeers = new Dictionary<string, ResourceLimits> { [PingService.ProtocolId] = new() { StreamsInbound = 1 } },
        }.Resolve();
        Assert.That(configured.Ip.ConnectionsInbound, Is.EqualTo(2));
        Assert.That(configured.Ip.ConnectionsOutbound, Is.EqualTo(small.Ip.ConnectionsOutbound), "unset limits keep their defaults");
        Assert.That(configured.ForProtocolPeer(PingService.ProtocolId).StreamsInbound, Is.EqualTo(1));
        Assert.That(configured.ForProtocolPeer(PingService.ProtocolId).StreamsOutbound, Is.EqualTo(4), "the built-in rest stays");

        Assert.Throws<ArgumentException>(() => new ResourceManagerOptions { Peer = new() { StreamsInbound = -1 } }.Validate());
        Assert.Throws<ArgumentException>(() => new ResourceManagerOptions { MaxMemory = 1024 }.Validate());
    }
}
