using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Dialing;

/// <summary>The dial options hole punching and AutoNAT need: a forced new connection, the handshake role, the local port.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class DialOptionsTests
{
    [Test]
    public async Task A_forced_dial_opens_a_second_connection_where_a_plain_dial_reuses_the_first()
    {
        await using var a = await TestHosts.StartAsync();
        await using var b = await TestHosts.StartAsync();
        var first = await a.DialAsync(TestHosts.AddressOf(b)).WaitAsync(TestHosts.Timeout);
        Assert.That(await a.DialAsync(TestHosts.AddressOf(b)).WaitAsync(TestHosts.Timeout), Is.SameAs(first));

        var second = await a.DialAsync(TestHosts.AddressOf(b), new DialOptions { ForceNewConnection = true }).WaitAsync(TestHosts.Timeout);
        Assert.That(second, Is.Not.SameAs(first));
        await Poll.UntilAsync(() => b.Connections.Count(c => c.RemotePeer == a.PeerId) == 2, TestHosts.Timeout);
        Assert.That(a.FindConnection(b.PeerId), Is.SameAs(first), "the oldest of equals is the one streams go on");
    }

    [Test]
    public async Task A_dial_from_the_listen_port_taking_the_responder_role_meets_a_listener_that_expects_it_as_the_initiator()
    {
        await using var initiator = await TestHosts.StartAsync();
        await using var responder = await TestHosts.StartAsync();
        var responderAddress = responder.ListenAddresses[0];
        using var expectation = initiator.ExpectHolePunch([responderAddress], responder.PeerId, TimeSpan.FromSeconds(30));

        // The responder's half of a hole punch that, with no NAT in between, lands on the initiator's listener.
        var dialed = await responder.DialAsync(TestHosts.AddressOf(initiator),
            new DialOptions { ForceNewConnection = true, FromListenPort = true, Role = ConnectionDirection.Inbound }).WaitAsync(TestHosts.Timeout);

        Assert.That(dialed.Direction, Is.EqualTo(ConnectionDirection.Inbound));
        Assert.That(dialed.LocalAddress, Is.EqualTo(responderAddress), "the dial left from the listen port");
        await Poll.UntilAsync(() => initiator.FindConnection(responder.PeerId) is not null, TestHosts.Timeout);
        var accepted = initiator.FindConnection(responder.PeerId)!;
        Assert.That(accepted.Direction, Is.EqualTo(ConnectionDirection.Outbound), "the listener took the initiator's side as expected");
        Assert.That(accepted.RemoteAddress, Is.EqualTo(responderAddress));
        var payload = EchoProtocol.Pattern(4096, seed: 3);
        initiator.SetHandler(EchoProtocol.Id, EchoProtocol.HandleAsync);
        Assert.That(await EchoProtocol.RoundTripAsync(dialed, payload, CancellationToken.None).WaitAsync(TestHosts.Timeout), Is.EqualTo(payload));
    }

    [Test]
    public async Task A_responder_role_dial_fails_when_the_handshake_proves_another_peer()
    {
        await using var a = await TestHosts.StartAsync();
        await using var b = await TestHosts.StartAsync();
        await using var impostor = await TestHosts.StartAsync();
        using var expectation = impostor.ExpectHolePunch([a.ListenAddresses[0]], a.PeerId, TimeSpan.FromSeconds(30));

        // a expects b, but impostor answers at that address (it takes the initiator's role for a, as if punching).
        var address = impostor.ListenAddresses[0].WithPeerId(b.PeerId);
        var error = Assert.ThrowsAsync<DialException>(() =>
            a.DialAsync(address, new DialOptions { ForceNewConnection = true, FromListenPort = true, Role = ConnectionDirection.Inbound }).WaitAsync(TestHosts.Timeout));
        Assert.That(error!.Reason, Is.EqualTo(DialFailureReason.PeerIdMismatch));
    }

    [Test]
    public async Task A_running_host_listens_on_an_added_address_and_says_its_addresses_changed()
    {
        await using var host = await TestHosts.StartAsync();
        var changed = 0;
        host.AddressesChanged += (_, _) => Interlocked.Increment(ref changed);

        var bound = host.Listen(Multiaddress.Parse("/ip4/127.0.0.1/tcp/0"));

        Assert.That(host.ListenAddresses, Has.Count.EqualTo(2).And.Contains(bound));
        Assert.That(host.AdvertisedAddresses, Does.Contain(bound));
        Assert.That(changed, Is.EqualTo(1));
        await using var other = await TestHosts.StartAsync();
        var connection = await other.DialAsync(bound.WithPeerId(host.PeerId)).WaitAsync(TestHosts.Timeout);
        Assert.That(connection.RemotePeer, Is.EqualTo(host.PeerId));
    }

    [Test]
    public async Task Identify_tells_a_host_the_ip_peers_see_it_at_and_that_ip_with_the_listen_port_becomes_an_observed_address()
    {
        await using var host = await TestHosts.StartAsync(listen: "/ip4/0.0.0.0/tcp/0");
        await using var other = await TestHosts.StartAsync();
        Assert.That(host.ObservedAddresses, Is.Empty);
        var port = host.ListenAddresses[0].Components[1].Value;

        var connection = await host.DialAsync(TestHosts.AddressOf(other)).WaitAsync(TestHosts.Timeout);
        await host.IdentifyAsync(connection).WaitAsync(TestHosts.Timeout);

        Assert.That(host.ObservedAddresses, Is.EqualTo(new[] { Multiaddress.Parse($"/ip4/127.0.0.1/tcp/{port}") }));
    }
}
