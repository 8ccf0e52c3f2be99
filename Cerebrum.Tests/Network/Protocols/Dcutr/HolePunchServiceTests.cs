using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Protocols.Dcutr;
using Cerebrum.Core.Network.Protocols.Relay;
using Cerebrum.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Tests.Network.Protocols.Dcutr;

/// <summary>DCUtR on real hosts over loopback: a relayed connection moves to a direct one and the relayed one closes.</summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class HolePunchServiceTests
{
    private static readonly HolePunchServiceOptions Loopback = new()
    {
        Punch = new HolePunchOptions { AllowNonPublicAddresses = true, RelayedCloseGrace = TimeSpan.FromMilliseconds(100), DialTimeout = TimeSpan.FromSeconds(5) },
        DrainCheckInterval = TimeSpan.FromMilliseconds(50),
    };

    private sealed record Peer(PeerHost Host, RelayService Relay, HolePunchService? Punching)
    {
        public HolePunchService HolePunch => Punching!;
    }

    private static async Task<Peer> StartAsync(RelayServiceOptions relay, HolePunchServiceOptions? punch, bool listen = true)
    {
        RelayService? relayService = null;
        HolePunchService? holePunch = null;
        var host = await ReachabilityHosts.StartAsync(h =>
        {
            h.AddService(relayService = new RelayService(h, relay, NullLogger.Instance));
            if (punch is not null)
                h.AddService(holePunch = new HolePunchService(h, punch, NullLogger.Instance));
        }, listen);
        return new Peer(host, relayService!, holePunch!);
    }

    /// <summary>A relay, a node reserved on it (B, which received the relayed connection) and a peer that dialled the circuit (A).</summary>
    private static async Task<(Peer Relay, Peer Node, Peer Dialer, Connection Relayed)> RelayedPairAsync(HolePunchServiceOptions? nodePunch, bool nodeListens = true,
        bool dialerListens = true)
    {
        var relay = await StartAsync(new RelayServiceOptions { EnableHop = true }, Loopback);
        var node = await StartAsync(new RelayServiceOptions { StaticRelays = [TestHosts.AddressOf(relay.Host)] }, nodePunch, nodeListens);
        var dialer = await StartAsync(new RelayServiceOptions(), Loopback, dialerListens);
        node.Relay.ReservationsWanted = true;
        var circuit = ReachabilityHosts.CircuitTo(relay.Host, node.Host);
        await Poll.UntilAsync(() => node.Host.AdvertisedAddresses.Contains(CircuitAddress.Through(TestHosts.AddressOf(relay.Host))), TestHosts.Timeout);
        // The dialer knows the relay directly (as it would know a seed), and identify over it tells it our observed IP.
        await dialer.Host.DialAsync(TestHosts.AddressOf(relay.Host)).WaitAsync(TestHosts.Timeout);
        var relayed = await dialer.Host.DialAsync(circuit).WaitAsync(TestHosts.Timeout);
        Assert.That(relayed.IsRelayed, Is.True);
        return (relay, node, dialer, relayed);
    }

    [Test]
    public async Task Two_peers_on_a_relayed_connection_coordinate_a_simultaneous_open_move_to_a_direct_connection_and_close_the_relayed_one()
    {
        var (relay, node, dialer, relayed) = await RelayedPairAsync(Loopback with { TryUnilateralUpgrade = false });
        await using var _r = relay.Host;
        await using var _n = node.Host;
        await using var _d = dialer.Host;

        await Poll.UntilAsync(() => node.HolePunch.Upgraded >= 1, TestHosts.Timeout);
        Assert.That(node.Host.FindConnection(dialer.Host.PeerId), Is.Not.Null.And.Property(nameof(Connection.IsRelayed)).False);
        await Poll.UntilAsync(() => dialer.Host.FindConnection(node.Host.PeerId) is { IsRelayed: false }, TestHosts.Timeout);

        // Streams opened now go on the direct connection, and the relayed one closes once idle.
        var payload = EchoProtocol.Pattern(64 * 1024, seed: 11);
        var direct = dialer.Host.FindConnection(node.Host.PeerId)!;
        Assert.That(await EchoProtocol.RoundTripAsync(direct, payload, CancellationToken.None).WaitAsync(TestHosts.Timeout), Is.EqualTo(payload));
        await Poll.UntilAsync(() => relayed.IsClosed, TestHosts.Timeout);
        await Poll.UntilAsync(() => !dialer.Host.Connections.Any(c => c.RemotePeer == node.Host.PeerId && c.IsRelayed), TestHosts.Timeout);
        Assert.That(node.HolePunch.Failed, Is.Zero);
    }

    [Test]
    public async Task A_stream_under_way_on_the_relayed_connection_finishes_there_after_the_move_to_direct()
    {
        // The node starts without DCUtR, so the stream is surely open before the upgrade; then it gains it and re-identifies.
        var (relay, node, dialer, relayed) = await RelayedPairAsync(null);
        await using var _r = relay.Host;
        await using var _n = node.Host;
        await using var _d = dialer.Host;
        await using var stream = await relayed.OpenStreamAsync(EchoProtocol.Id).WaitAsync(TestHosts.Timeout);
        var first = EchoProtocol.Pattern(1024, seed: 1);
        var echoed = new byte[first.Length];
        await stream.Stream.WriteAsync(first);
        await stream.Stream.FlushAsync();
        await stream.Stream.ReadExactlyAsync(echoed).AsTask().WaitAsync(TestHosts.Timeout);

        var holePunch = new HolePunchService(node.Host, Loopback with { TryUnilateralUpgrade = false, Punch = Loopback.Punch with { RelayedCloseGrace = TimeSpan.Zero } },
            NullLogger.Instance);
        node.Host.AddService(holePunch);
        await Poll.UntilAsync(() => node.Host.FindConnection(dialer.Host.PeerId) is { IsRelayed: true }, TestHosts.Timeout);
        await node.Host.IdentifyAsync(node.Host.FindConnection(dialer.Host.PeerId)!).WaitAsync(TestHosts.Timeout);
        await Poll.UntilAsync(() => holePunch.Upgraded >= 1, TestHosts.Timeout);

        // Past the (zero) grace: the job's stream still works on the relayed connection, which waits for it.
        await Poll.UntilAsync(() => dialer.Host.FindConnection(node.Host.PeerId) is { IsRelayed: false }, TestHosts.Timeout);
        var second = EchoProtocol.Pattern(1024, seed: 2);
        await stream.Stream.WriteAsync(second);
        await stream.Stream.FlushAsync();
        await stream.Stream.ReadExactlyAsync(echoed).AsTask().WaitAsync(TestHosts.Timeout);
        Assert.That(echoed, Is.EqualTo(second));
        Assert.That(relayed.IsClosed, Is.False, "the relayed connection waits for its stream");

        await stream.CompleteWritesAsync();
        await stream.DisposeAsync();
        await Poll.UntilAsync(() => relayed.IsClosed, TestHosts.Timeout);
    }

    [Test]
    public async Task A_peer_with_an_advertised_direct_address_is_connected_to_directly_without_coordination()
    {
        var (relay, node, dialer, relayed) = await RelayedPairAsync(Loopback);
        await using var _r = relay.Host;
        await using var _n = node.Host;
        await using var _d = dialer.Host;

        await Poll.UntilAsync(() => node.HolePunch.Upgraded >= 1, TestHosts.Timeout);
        Assert.That(node.Host.FindConnection(dialer.Host.PeerId)!.Direction, Is.EqualTo(ConnectionDirection.Outbound), "the node dialled the peer's own address");
        await Poll.UntilAsync(() => relayed.IsClosed, TestHosts.Timeout);
    }

    [Test]
    public async Task Peers_with_no_direct_address_to_offer_stay_on_the_relayed_connection()
    {
        var (relay, node, dialer, relayed) = await RelayedPairAsync(Loopback, nodeListens: false, dialerListens: false);
        await using var _r = relay.Host;
        await using var _n = node.Host;
        await using var _d = dialer.Host;

        await Poll.UntilAsync(() => node.HolePunch.Failed >= 1, TestHosts.Timeout);
        Assert.That(relayed.IsClosed, Is.False);
        Assert.That(dialer.Host.FindConnection(node.Host.PeerId), Is.SameAs(relayed));
        var payload = EchoProtocol.Pattern(4096, seed: 5);
        Assert.That(await EchoProtocol.RoundTripAsync(relayed, payload, CancellationToken.None).WaitAsync(TestHosts.Timeout), Is.EqualTo(payload));
    }
}
