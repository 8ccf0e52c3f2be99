using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Protocols.Relay;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Protocols.Relay;

/// <summary>Circuit relay v2 on real hosts over loopback: reservations, the relay transport both ways, and who may use them.</summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class RelayServiceTests
{
    [Test]
    public async Task A_private_node_reserves_on_its_relay_announces_the_circuit_address_and_is_reached_through_it()
    {
        var (relay, relayService) = await ReachabilityHosts.StartWithRelayAsync(new RelayServiceOptions { EnableHop = true });
        await using var _ = relay;
        var circuit = CircuitAddress.Through(TestHosts.AddressOf(relay));
        var (node, nodeRelay) = await ReachabilityHosts.StartWithRelayAsync(new RelayServiceOptions { StaticRelays = [TestHosts.AddressOf(relay)] }, listen: false);
        await using var __ = node;
        var (client, _) = await ReachabilityHosts.StartWithRelayAsync(new RelayServiceOptions());
        await using var ___ = client;

        Assert.That(node.AdvertisedAddresses, Is.Empty, "a dial-only host has nothing to announce before it reserves");
        nodeRelay.ReservationsWanted = true;
        await Poll.UntilAsync(() => node.AdvertisedAddresses.Contains(circuit), TestHosts.Timeout);
        Assert.That(relayService.Server!.HasReservation(node.PeerId, DateTimeOffset.UtcNow), Is.True);
        Assert.That(nodeRelay.ActiveRelays, Is.EqualTo(new[] { relay.PeerId }));

        var connection = await client.DialAsync(circuit.WithPeerId(node.PeerId)).WaitAsync(TestHosts.Timeout);
        Assert.That(connection.RemotePeer, Is.EqualTo(node.PeerId));
        Assert.That(connection.IsRelayed, Is.True);
        var payload = EchoProtocol.Pattern(1 << 20, seed: 7);
        var echoed = await EchoProtocol.RoundTripAsync(connection, payload, CancellationToken.None).WaitAsync(TestHosts.Timeout);
        Assert.That(echoed, Is.EqualTo(payload));
        await Poll.UntilAsync(() => node.FindConnection(client.PeerId) is { IsRelayed: true, Direction: ConnectionDirection.Inbound }, TestHosts.Timeout);

        // What the node tells peers over the relayed connection names the circuit, signed.
        var identified = await client.IdentifyAsync(connection).WaitAsync(TestHosts.Timeout);
        Assert.That(identified.ListenAddresses, Does.Contain(circuit));
        Assert.That(identified.PeerRecord!.Addresses, Does.Contain(circuit));
    }

    [Test]
    public async Task A_peer_known_only_by_its_circuit_address_is_connected_to_through_the_relay_and_a_direct_connection_is_preferred_once_open()
    {
        var (relay, _) = await ReachabilityHosts.StartWithRelayAsync(new RelayServiceOptions { EnableHop = true });
        await using var _r = relay;
        var (node, nodeRelay) = await ReachabilityHosts.StartWithRelayAsync(new RelayServiceOptions { StaticRelays = [TestHosts.AddressOf(relay)] });
        await using var _n = node;
        var (client, _) = await ReachabilityHosts.StartWithRelayAsync(new RelayServiceOptions());
        await using var _c = client;
        nodeRelay.ReservationsWanted = true;
        var circuit = CircuitAddress.Through(TestHosts.AddressOf(relay));
        await Poll.UntilAsync(() => node.AdvertisedAddresses.Contains(circuit), TestHosts.Timeout);

        client.PeerStore.AddAddresses(node.PeerId, [circuit]);
        var relayed = await client.ConnectAsync(node.PeerId).WaitAsync(TestHosts.Timeout);
        Assert.That(relayed.IsRelayed, Is.True);
        Assert.That(client.FindConnection(node.PeerId), Is.SameAs(relayed));

        var direct = await client.DialAsync(TestHosts.AddressOf(node), new DialOptions { ForceNewConnection = true }).WaitAsync(TestHosts.Timeout);
        Assert.That(direct.IsRelayed, Is.False);
        Assert.That(direct, Is.Not.SameAs(relayed));
        Assert.That(client.FindConnection(node.PeerId), Is.SameAs(direct), "streams go on the direct connection once there is one");
    }

    [Test]
    public async Task A_relay_refuses_a_circuit_to_a_peer_without_a_reservation_and_a_peer_refuses_a_stop_from_a_relay_it_did_not_reserve_on()
    {
        var (relay, _) = await ReachabilityHosts.StartWithRelayAsync(new RelayServiceOptions { EnableHop = true });
        await using var _r = relay;
        var (node, _) = await ReachabilityHosts.StartWithRelayAsync(new RelayServiceOptions());
        await using var _n = node;
        var (client, _) = await ReachabilityHosts.StartWithRelayAsync(new RelayServiceOptions());
        await using var _c = client;
        await node.DialAsync(TestHosts.AddressOf(relay)).WaitAsync(TestHosts.Timeout);

        var refused = Assert.ThrowsAsync<DialException>(() => client.DialAsync(ReachabilityHosts.CircuitTo(relay, node)).WaitAsync(TestHosts.Timeout));
        Assert.That(refused!.Message, Does.Contain(nameof(RelayStatus.NoReservation)));
        Assert.That(node.FindConnection(client.PeerId), Is.Null);

        // The client poses as a relay and pushes a circuit at the node: refused, nothing reaches the node's listener.
        var toNode = await client.DialAsync(TestHosts.AddressOf(node)).WaitAsync(TestHosts.Timeout);
        await using var stop = await toNode.OpenStreamAsync(RelayMessages.StopProtocolId).WaitAsync(TestHosts.Timeout);
        await Core.Network.LengthPrefixedMessage.WriteAsync(stop.Stream, RelayMessages.EncodeStopConnect(relay.PeerId, RelayLimit.None), CancellationToken.None);
        using var timeout = new CancellationTokenSource(TestHosts.Timeout);
        var answer = await Core.Network.LengthPrefixedMessage.ReadAsync(stop.Stream, RelayMessages.MaxMessageSize, timeout.Token);
        Assert.That(RelayMessages.ParseStopResponse(answer), Is.EqualTo(RelayStatus.PermissionDenied));
        Assert.That(node.Connections.Count(c => c.IsRelayed), Is.Zero);
    }

    [Test]
    public async Task Reservations_end_when_no_longer_wanted_and_the_relay_forgets_a_reservation_when_its_peer_disconnects()
    {
        var (relay, relayService) = await ReachabilityHosts.StartWithRelayAsync(new RelayServiceOptions { EnableHop = true });
        await using var _r = relay;
        var (node, nodeRelay) = await ReachabilityHosts.StartWithRelayAsync(new RelayServiceOptions { StaticRelays = [TestHosts.AddressOf(relay)] });
        await using var _n = node;
        var (client, _) = await ReachabilityHosts.StartWithRelayAsync(new RelayServiceOptions());
        await using var _c = client;
        var circuit = CircuitAddress.Through(TestHosts.AddressOf(relay));
        nodeRelay.ReservationsWanted = true;
        await Poll.UntilAsync(() => node.AdvertisedAddresses.Contains(circuit), TestHosts.Timeout);

        nodeRelay.ReservationsWanted = false;
        Assert.That(node.AdvertisedAddresses, Does.Not.Contain(circuit));
        Assert.That(nodeRelay.ActiveRelays, Is.Empty);
        Assert.That(relayService.Server!.ReservationCount, Is.EqualTo(1), "the relay holds it until the peer goes");

        await node.DisconnectAsync(relay.PeerId);
        await Poll.UntilAsync(() => relayService.Server.ReservationCount == 0, TestHosts.Timeout);
        var refused = Assert.ThrowsAsync<DialException>(() => client.DialAsync(ReachabilityHosts.CircuitTo(relay, node)).WaitAsync(TestHosts.Timeout));
        Assert.That(refused!.Message, Does.Contain(nameof(RelayStatus.NoReservation)));
    }
}
