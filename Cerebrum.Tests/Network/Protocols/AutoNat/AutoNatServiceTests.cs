using System.Net;
using System.Net.Sockets;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Protocols.AutoNat;
using Cerebrum.Core.Network.Protocols.Relay;
using Cerebrum.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Tests.Network.Protocols.AutoNat;

/// <summary>AutoNAT v1 on real hosts over loopback: a server dials askers back, and a client learns whether it is reachable.</summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class AutoNatServiceTests
{
    /// <summary>Loopback is not a public IP: servers here must serve and dial non-public addresses, and one answer decides.</summary>
    private static readonly AutoNatServiceOptions Loopback = new()
    {
        Server = new AutoNatServerOptions { AllowNonPublicAddresses = true, DialBackTimeout = TimeSpan.FromSeconds(5) },
        Client = new AutoNatClientOptions { Confirmations = 1, RetryInterval = TimeSpan.FromMilliseconds(200) },
        CheckInterval = TimeSpan.FromMilliseconds(200),
    };

    private static async Task<(PeerHost Host, AutoNatService AutoNat)> StartAsync(AutoNatServiceOptions options, bool listen = true,
        Func<PeerHostOptions, PeerHostOptions>? configure = null)
    {
        AutoNatService? service = null;
        var host = await ReachabilityHosts.StartAsync(h => h.AddService(service = new AutoNatService(h, options, NullLogger.Instance)), listen, configure);
        return (host, service!);
    }

    [Test]
    public async Task A_node_a_server_can_dial_back_learns_it_is_public_and_the_server_counts_the_request()
    {
        var (server, serverNat) = await StartAsync(Loopback);
        await using var _s = server;
        var (node, nodeNat) = await StartAsync(Loopback with { EnableServer = false });
        await using var _n = node;
        Assert.That(nodeNat.Reachability, Is.EqualTo(Reachability.Unknown));
        Assert.That(node.Protocols, Does.Not.Contain(AutoNatMessages.ProtocolId), "a client-only node does not offer the protocol");

        await node.DialAsync(TestHosts.AddressOf(server)).WaitAsync(TestHosts.Timeout);

        await Poll.UntilAsync(() => nodeNat.Reachability == Reachability.Public, TestHosts.Timeout);
        Assert.That(nodeNat.ConfirmedAddresses, Does.Contain(node.ListenAddresses[0]));
        Assert.That(serverNat.RequestsServed, Is.GreaterThanOrEqualTo(1));
        // The dial-back connection proved the address and was closed: one connection remains between them.
        await Poll.UntilAsync(() => server.Connections.Count(c => c.RemotePeer == node.PeerId) == 1, TestHosts.Timeout);
    }

    [Test]
    public async Task A_node_nobody_can_dial_learns_it_is_private_and_then_reserves_on_a_relay()
    {
        // The server is also a relay, as seeds are; the node announces an address where nothing listens (a NAT's, say).
        AutoNatService? serverNat = null;
        var server = await ReachabilityHosts.StartAsync(h =>
        {
            h.AddService(serverNat = new AutoNatService(h, Loopback, NullLogger.Instance));
            h.AddService(new RelayService(h, new RelayServiceOptions { EnableHop = true }, NullLogger.Instance));
        });
        await using var _s = server;
        var closed = ClosedLoopbackPort();
        AutoNatService? nodeNat = null;
        RelayService? nodeRelay = null;
        var node = await ReachabilityHosts.StartAsync(h =>
        {
            h.AddService(nodeNat = new AutoNatService(h, Loopback with { EnableServer = false }, NullLogger.Instance));
            h.AddService(nodeRelay = new RelayService(h, new RelayServiceOptions(), NullLogger.Instance));
            nodeNat.ReachabilityChanged += status => nodeRelay.ReservationsWanted = status == Reachability.Private;
        }, listen: false, o => o with { AnnounceAddresses = [closed] });
        await using var _n = node;

        await node.DialAsync(TestHosts.AddressOf(server)).WaitAsync(TestHosts.Timeout);

        await Poll.UntilAsync(() => nodeNat!.Reachability == Reachability.Private, TestHosts.Timeout);
        var circuit = CircuitAddress.Through(TestHosts.AddressOf(server));
        await Poll.UntilAsync(() => node.AdvertisedAddresses.Contains(circuit), TestHosts.Timeout);
        Assert.That(nodeRelay!.ActiveRelays, Is.EqualTo(new[] { server.PeerId }));
        Assert.That(nodeNat!.ConfirmedAddresses, Is.Empty);
    }

    [Test]
    public async Task A_server_refuses_to_dial_an_address_on_another_ip_than_the_one_it_sees_the_asker_at()
    {
        var (server, _) = await StartAsync(Loopback);
        await using var _s = server;
        await using var asker = await TestHosts.StartAsync();
        var connection = await asker.DialAsync(TestHosts.AddressOf(server)).WaitAsync(TestHosts.Timeout);

        // A third party's address (not 127.0.0.1): the server must not be turned into a dialler of others.
        await using var stream = await connection.OpenStreamAsync(AutoNatMessages.ProtocolId).WaitAsync(TestHosts.Timeout);
        var answer = await AutoNatProtocol.AskAsync(stream.Stream, asker.PeerId, [Multiaddress.Parse("/ip4/10.9.8.7/tcp/4001")], CancellationToken.None)
            .WaitAsync(TestHosts.Timeout);

        Assert.That(answer.Status, Is.Not.EqualTo(AutoNatStatus.Ok));
        Assert.That(server.Connections.Count(c => c.RemotePeer == asker.PeerId), Is.EqualTo(1), "no dial-back was made");
    }

    private static Multiaddress ClosedLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return Multiaddress.Parse($"/ip4/127.0.0.1/tcp/{port}");
    }
}
