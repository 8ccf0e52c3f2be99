using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Cerebrum.Core.Operator.Admin;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.TestSupport;
using Cerebrum.Tests.TestSupport.Netns;
using static Cerebrum.Tests.EndToEnd.ReachabilityAdmin;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// Reachability between real <c>cerebrumd</c> processes, each in its own network namespace: three seeds and a gateway
/// on a LAN that stands for the internet, and three nodes each behind its own home router (iptables MASQUERADE and a
/// firewall dropping unsolicited packets): A and B behind endpoint-independent NATs (port-preserving masquerade), C
/// behind a symmetric one (<c>--random-fully</c>). AutoNAT finds the seeds and the gateway public and the nodes private;
/// the nodes reserve on the seeds' relays; the gateway reaches each node through its circuit address and serves a job,
/// and the node then moves the connection to a direct one; A and B, both behind NATs, meet through a relay and punch a
/// direct connection (DCUtR); A and C stay relayed, since C's NAT gives the punch another port than the one A was told.
/// </summary>
[TestFixture]
[NonParallelizable]
[Platform("Linux", Reason = "network namespaces are Linux's")]
[CancelAfter(400_000)]
public sealed class NatTraversalNetnsTests
{
    private const int GatewayHttpPort = 8080;

    [Test]
    public async Task Nodes_behind_NATs_are_private_reached_through_relays_punch_through_endpoint_independent_NATs_and_stay_relayed_behind_a_symmetric_one()
    {
        await using var testbed = NetnsTestbed.Create();
        using var root = TemporaryDirectory.Create();
        var routerA = testbed.AddNatRouter("nata", NatMapping.EndpointIndependent);
        var routerB = testbed.AddNatRouter("natb", NatMapping.EndpointIndependent);
        var routerC = testbed.AddNatRouter("natc", NatMapping.Symmetric);

        var seeds = new List<ChainDevnet.DaemonProcess>();
        for (var i = 0; i < 3; i++)
        {
            var host = testbed.AddHost($"seed{i}");
            var data = await PrepareAsync(root.Path, $"seed{i}", node: false);
            seeds.Add(await host.StartDaemonAsync(data, ["--mode", "seed", .. seeds.SelectMany(s => new[] { "--bootstrap", s.ListenAddress })]));
        }
        string[] bootstrap = [.. seeds.SelectMany(s => new[] { "--bootstrap", s.ListenAddress })];
        var gatewayHost = testbed.AddHost("gw");
        var gatewayData = await PrepareAsync(root.Path, "gateway", node: false, dht: "client");
        var gateway = await gatewayHost.StartDaemonAsync(gatewayData,
            ["--mode", "gateway", "--http", $"{gatewayHost.Address}:{GatewayHttpPort}", "--open", .. bootstrap]);

        var nodeHosts = new[] { routerA.AddHost("nodea"), routerB.AddHost("nodeb"), routerC.AddHost("nodec") };
        var nodes = new List<ChainDevnet.DaemonProcess>();
        foreach (var host in nodeHosts)
            nodes.Add(await host.StartDaemonAsync(await PrepareAsync(root.Path, host.Role, node: true), ["--mode", "node", .. bootstrap]));
        var (nodeA, nodeB, nodeC) = (nodes[0], nodes[1], nodes[2]);

        // AutoNAT: the seeds and the gateway are dialled back and are public; the nodes' routers drop the dial-backs.
        foreach (var daemon in seeds.Append(gateway))
            await WaitForStatusAsync(daemon, r => r.Status == "public", "public");
        foreach (var node in nodes)
        {
            var reach = await WaitForStatusAsync(node, r => r.Status == "private" && r.Relays.Count > 0 && r.Advertised.Any(a => a.EndsWith("/p2p-circuit", StringComparison.Ordinal)),
                "private, with a reservation on a relay");
            Assert.That(reach.Relays, Is.SubsetOf(seeds.Select(s => PeerOf(s.ListenAddress))));
        }

        // Nothing outside can open a connection to a node behind its router: its private address has no route, its
        // router's public port drops the SYN.
        using (var probe = gatewayHost.CreateTcpSocket())
        {
            var refused = Assert.CatchAsync<Exception>(async () =>
                await probe.ConnectAsync(new IPEndPoint(routerA.PublicAddress, NetnsHost.P2pPort)).WaitAsync(TimeSpan.FromSeconds(3)));
            Assert.That(refused, Is.InstanceOf<SocketException>().Or.InstanceOf<TimeoutException>());
        }

        // The gateway reaches each node through its circuit address; each node then dials the gateway (which is public)
        // and the relayed connection gives way to the direct one.
        foreach (var node in nodes)
        {
            var circuit = await CircuitAddressAsync(node);
            // Relayed, or already moved to direct by the node (which cannot be dialled directly: see above).
            var connected = await ConnectAsync(gateway, circuit);
            Assert.That(connected.PeerId, Is.EqualTo(PeerOf(node.ListenAddress)));
        }
        Assert.That(await CircuitsCarriedAsync(seeds), Is.GreaterThanOrEqualTo(3), "the seeds' relays carried the gateway's circuits");
        foreach (var node in nodes)
            await WaitForPeersAsync(gateway, PeerOf(node.ListenAddress), direct: true);

        using (var http = GatewayHttp(gatewayHost))
        {
            var answered = await Poll.UntilAsync(async () =>
            {
                using var response = await http.PostAsync(new Uri("/v2/models/add/infer", UriKind.Relative),
                    new StringContent(GatewayTestNetwork.AddRequest(5), Encoding.UTF8, "application/json"));
                return response.IsSuccessStatusCode ? string.Join("", response.Headers.GetValues("X-Cerebrum-Node")) : null;
            }, node => node is not null, WaitTimeout, _ => "the gateway has not answered a job yet");
            Assert.That(nodes.Select(n => PeerOf(n.ListenAddress)), Does.Contain(answered), "a node behind a NAT served the job");
        }

        // A and B, both behind endpoint-independent NATs: relayed first, then a hole punch makes the connection direct.
        // Their routers drop unsolicited SYNs, so a direct connection between them can only be a punched one; the DHT or
        // the gossip mesh may have brought them together before this dial, which then finds the connection there.
        var (peerA, peerB, peerC) = (PeerOf(nodeA.ListenAddress), PeerOf(nodeB.ListenAddress), PeerOf(nodeC.ListenAddress));
        await TestContext.Progress.WriteLineAsync($"before A dials B and C, A has: {Describe(await PeersAsync(nodeA))}");
        var toB = await ConnectAsync(nodeA, await CircuitAddressAsync(nodeB));
        await TestContext.Progress.WriteLineAsync($"A -> B's circuit gave a {(toB.Relayed ? "relayed" : "direct")} connection");
        await WaitForPeersAsync(nodeA, peerB, direct: true);
        await WaitForStatusAsync(nodeA, r => r.HolePunchUpgrades >= 2, "hole punched to the gateway (unilaterally) and to B");
        await WaitForStatusAsync(nodeB, r => r.HolePunchUpgrades >= 2, "hole punched to the gateway (unilaterally) and to A");

        // A and C: C's symmetric NAT maps the punch to a port A was not told, so the connection stays relayed.
        var toC = await ConnectAsync(nodeA, await CircuitAddressAsync(nodeC));
        Assert.That(toC.Relayed, Is.True, "A reaches C through a relay only");
        await Poll.UntilAsync(async () => (await StatusAsync(nodeA)).HolePunchFailures + (await StatusAsync(nodeC)).HolePunchFailures >= 1, WaitTimeout);
        var peersOfA = await PeersAsync(nodeA);
        Assert.That(peersOfA.Where(p => p.PeerId == peerC).Select(p => p.Relayed), Is.Not.Empty.And.All.True, $"A and C are connected through the relay only: {Describe(peersOfA)}");
        Assert.That((await StatusAsync(nodeA)).Status, Is.EqualTo("private"));
        var peersOfC = await PeersAsync(nodeC);
        Assert.That(peersOfC.Where(p => p.PeerId == peerA).Select(p => p.Relayed), Is.Not.Empty.And.All.True, $"C's view: {Describe(peersOfC)}");
    }

    private static string Describe(IEnumerable<PeerResponse> peers) =>
        string.Join(", ", peers.Select(p => $"{p.PeerId[^6..]} {p.Address} {(p.Relayed ? "relayed" : "direct")}"));

    /// <summary>An initialized data directory that treats private addresses as dialable (the whole testbed is 10/8 and 192.168/16); a node's holds the 'add' model.</summary>
    private static async Task<string> PrepareAsync(string root, string name, bool node, string dht = "auto") =>
        await InitializeAsync(node ? await GatewayTestNetwork.PrepareNodeAsync(root, name) : Path.Combine(root, name),
            new JsonObject { ["AllowPrivateAddresses"] = true, ["Dht"] = dht });

    private static async Task<string> CircuitAddressAsync(ChainDevnet.DaemonProcess node)
    {
        var reach = await StatusAsync(node);
        return reach.Advertised.First(a => a.EndsWith("/p2p-circuit", StringComparison.Ordinal)) + "/p2p/" + PeerOf(node.ListenAddress);
    }

    private static async Task<long> CircuitsCarriedAsync(IEnumerable<ChainDevnet.DaemonProcess> relays)
    {
        long total = 0;
        foreach (var relay in relays)
        {
            var reach = await StatusAsync(relay);
            total += reach.RelayCircuits + reach.RelayCircuitsEnded;
        }
        return total;
    }

    /// <summary>A client of the gateway's HTTP API, connecting from a socket in the gateway's own namespace.</summary>
    private static HttpClient GatewayHttp(NetnsHost gatewayHost) =>
        new(gatewayHost.Namespace.CreateHttpHandler()) { BaseAddress = new Uri($"http://{gatewayHost.Address}:{GatewayHttpPort}"), Timeout = TimeSpan.FromSeconds(30) };
}
