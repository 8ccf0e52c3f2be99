using System.Text.Json.Nodes;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Protocols.Kademlia;
using Cerebrum.Core.Network.Protocols.Relay;
using Cerebrum.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Tests.Interop;

/// <summary>
/// The reachability protocols against js-libp2p 2.x over real sockets (loopback), both ways: a C# relay serving js
/// peers and a js relay (@libp2p/circuit-relay-v2's server) serving C# peers, reservations and circuits carrying
/// streams; a mixed C#/js Kademlia DHT (@libp2p/kad-dht speaking our protocol id, /cerebrum/kad/1.0.0) in which
/// provider records and peers are found across the two implementations. js-libp2p's AutoNAT and DCUtR ignore private
/// and loopback addresses, so they cannot be tested on loopback; over sockets they would need a namespace testbed with
/// public-looking addresses (their wire messages are checked against js's codecs in ReachabilityCodecInteropTests).
/// </summary>
[TestFixture]
[CancelAfter(180_000)]
public sealed class ReachabilityJsInteropTests
{
    private const string ModelFromJs = "sha256:1c3e5f0b9a2d4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e21";
    private const string ModelFromCs = "sha256:2d4f6a1c0b3e5f7a9c2d4e6f8a0b1c3d5e7f9a1b3c5d7e9f0a2b4c6d8e0f1a32";

    [Test]
    public async Task A_cs_relay_serves_js_peers_a_js_peer_reserves_and_is_reached_by_js_and_by_us_through_the_circuit()
    {
        var (relay, relayService) = await ReachabilityHosts.StartWithRelayAsync(new RelayServiceOptions { EnableHop = true });
        await using var _ = relay;
        await using var target = await JsReachPeer.StartAsync("--reserve-on", TestHosts.AddressOf(relay).ToString());
        var circuit = await Poll.UntilAsync(async () => (await target.AddressesAsync()).FirstOrDefault(a => a.Contains("/p2p-circuit", StringComparison.Ordinal)),
            a => a is not null, TestHosts.Timeout, _ => $"the js peer announces no circuit address; stderr:\n{target.Stderr}");
        Assert.That(circuit, Is.EqualTo($"{TestHosts.AddressOf(relay)}/p2p-circuit/p2p/{target.PeerId}"));
        Assert.That(relayService.Server!.HasReservation(Core.Crypto.PeerId.Parse(target.PeerId), DateTimeOffset.UtcNow), Is.True);

        await using var source = await JsReachPeer.StartAsync();
        var echoed = await source.RunAsync("echo", new JsonObject { ["addr"] = circuit, ["bytes"] = 64 * 1024 });
        Assert.That(echoed.GetProperty("remoteAddr").GetString(), Does.Contain("/p2p-circuit"));
        Assert.That(echoed.GetProperty("limited").GetBoolean(), Is.True, "a relayed connection is a limited one to js");

        var (client, _) = await ReachabilityHosts.StartWithRelayAsync(new RelayServiceOptions());
        await using var __ = client;
        var connection = await client.DialAsync(Multiaddress.Parse(circuit!)).WaitAsync(TestHosts.Timeout);
        Assert.That(connection.IsRelayed, Is.True);
        var payload = EchoProtocol.Pattern(64 * 1024, seed: 3);
        Assert.That(await EchoProtocol.RoundTripAsync(connection, payload, CancellationToken.None).WaitAsync(TestHosts.Timeout), Is.EqualTo(payload));
        Assert.That(relayService.CircuitsCompleted + relayService.Server.CircuitCount, Is.GreaterThanOrEqualTo(2));
    }

    [Test]
    public async Task A_js_relay_serves_cs_peers_we_reserve_on_it_and_are_reached_by_us_and_by_js_through_the_circuit()
    {
        await using var jsRelay = await JsReachPeer.StartAsync("--relay-server");
        var relayAddress = Multiaddress.Parse((await jsRelay.AddressesAsync()).First(a => a.StartsWith("/ip4/127.0.0.1/tcp/", StringComparison.Ordinal)));
        var circuit = CircuitAddress.Through(relayAddress);
        var (node, nodeRelay) = await ReachabilityHosts.StartWithRelayAsync(new RelayServiceOptions { StaticRelays = [relayAddress] }, listen: false);
        await using var _ = node;
        nodeRelay.ReservationsWanted = true;
        await Poll.UntilAsync(() => node.AdvertisedAddresses.Contains(circuit), TestHosts.Timeout);
        Assert.That(nodeRelay.ActiveRelays.Select(p => p.ToString()), Is.EqualTo(new[] { jsRelay.PeerId }));

        var (client, _) = await ReachabilityHosts.StartWithRelayAsync(new RelayServiceOptions());
        await using var __ = client;
        var connection = await client.DialAsync(circuit.WithPeerId(node.PeerId)).WaitAsync(TestHosts.Timeout);
        Assert.That(connection.IsRelayed, Is.True);
        Assert.That(connection.RemotePeer, Is.EqualTo(node.PeerId));
        var payload = EchoProtocol.Pattern(64 * 1024, seed: 5);
        Assert.That(await EchoProtocol.RoundTripAsync(connection, payload, CancellationToken.None).WaitAsync(TestHosts.Timeout), Is.EqualTo(payload));

        await using var jsSource = await JsReachPeer.StartAsync();
        var echoed = await jsSource.RunAsync("echo", new JsonObject { ["addr"] = circuit.WithPeerId(node.PeerId).ToString(), ["bytes"] = 64 * 1024 });
        Assert.That(echoed.GetProperty("remoteAddr").GetString(), Does.Contain("/p2p-circuit"));
    }

    [Test]
    public async Task In_a_mixed_dht_js_and_cs_peers_find_each_others_provider_records_and_addresses()
    {
        var hosts = new List<(PeerHost Host, KademliaService Dht)>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                KademliaService? dht = null;
                var host = await ReachabilityHosts.StartAsync(h => h.AddService(dht = new KademliaService(h, new KademliaServiceOptions
                {
                    Dht = new KademliaOptions { RequestTimeout = TimeSpan.FromSeconds(5) },
                }, NullLogger.Instance)));
                hosts.Add((host, dht!));
            }
            await using var jsProvider = await JsReachPeer.StartAsync("--kad", KademliaOptions.DefaultProtocolId);
            // The seeker is a DHT client: the records it finds are on the servers, C# and js, not in its own store.
            await using var jsSeeker = await JsReachPeer.StartAsync("--kad", KademliaOptions.DefaultProtocolId, "--kad-client");
            var bootstrap = hosts[0];
            foreach (var (host, _) in hosts.Skip(1))
                await host.DialAsync(TestHosts.AddressOf(bootstrap.Host)).WaitAsync(TestHosts.Timeout);
            var jsAddresses = new Dictionary<string, Multiaddress>();
            foreach (var js in new[] { jsProvider, jsSeeker })
            {
                var address = Multiaddress.Parse((await js.AddressesAsync()).First(a => a.StartsWith("/ip4/127.0.0.1/tcp/", StringComparison.Ordinal)));
                jsAddresses[js.PeerId] = address;
                await bootstrap.Host.DialAsync(address).WaitAsync(TestHosts.Timeout);
            }
            await Poll.UntilAsync(() => bootstrap.Dht.Node.RoutingTableSize == 3, TestHosts.Timeout); // the other C# peers and the js server
            foreach (var js in new[] { jsProvider, jsSeeker })
                await Poll.UntilAsync(async () => (await js.RunAsync("routingTable")).GetProperty("size").GetInt32() >= 1, TestHosts.Timeout);

            // js announces, we find it; we announce, js finds us.
            await jsProvider.RunAsync("provide", new JsonObject { ["hash"] = ModelFromJs });
            var found = await hosts[2].Dht.FindProvidersAsync(ModelFromJs, 1, CancellationToken.None).WaitAsync(TestHosts.Timeout);
            Assert.That(found.Select(p => p.Id.ToString()), Is.EqualTo(new[] { jsProvider.PeerId }));
            Assert.That(found[0].Addresses.Select(a => a.ToString()), Has.Some.StartsWith(jsAddresses[jsProvider.PeerId].ToString().Split("/p2p/")[0]));

            var provider = hosts[1];
            Assert.That(await provider.Dht.ProvideAsync(ModelFromCs, CancellationToken.None).WaitAsync(TestHosts.Timeout), Is.GreaterThanOrEqualTo(1));
            var jsFound = await jsSeeker.RunAsync("findProviders", new JsonObject { ["hash"] = ModelFromCs });
            var providers = jsFound.GetProperty("providers").EnumerateArray().ToList();
            Assert.That(providers.Select(p => p.GetProperty("id").GetString()), Is.EqualTo(new[] { provider.Host.PeerId.ToString() }));

            // Peer routing both ways: js finds a C# peer it was never told of, we find a js peer.
            var located = await jsSeeker.RunAsync("findPeer", new JsonObject { ["peer"] = hosts[2].Host.PeerId.ToString() });
            Assert.That(located.GetProperty("peer").GetString(), Is.EqualTo(hosts[2].Host.PeerId.ToString()));
            Assert.That(located.GetProperty("addrs").EnumerateArray().Select(a => a.GetString()), Does.Contain(hosts[2].Host.ListenAddresses[0].ToString()));
            var jsPeer = await hosts[2].Dht.FindPeerAsync(Core.Crypto.PeerId.Parse(jsProvider.PeerId), CancellationToken.None).WaitAsync(TestHosts.Timeout);
            Assert.That(jsPeer, Is.Not.Null);
            Assert.That(jsPeer!.Addresses.Select(a => a.ToString()), Has.Some.StartsWith(jsAddresses[jsProvider.PeerId].ToString().Split("/p2p/")[0]));
        }
        finally
        {
            foreach (var (host, _) in hosts)
                await host.DisposeAsync();
        }
    }
}
