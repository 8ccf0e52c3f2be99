using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Protocols.Kademlia;
using Cerebrum.Core.Network.Resources;
using Cerebrum.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Tests.Network.Protocols.Kademlia;

/// <summary>The DHT on real hosts over loopback: peers that only know a bootstrap peer find each other and a model's providers.</summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class KademliaServiceTests
{
    private const string Model = "sha256:7c3e5f0b9a2d4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f";

    private static async Task<(PeerHost Host, KademliaService Dht)> StartAsync(bool server = true, ResourceManagerOptions? resources = null)
    {
        KademliaService? dht = null;
        var host = await ReachabilityHosts.StartAsync(h => h.AddService(dht = new KademliaService(h, new KademliaServiceOptions
        {
            Server = server,
            Dht = new KademliaOptions { RequestTimeout = TimeSpan.FromSeconds(5) },
        }, NullLogger.Instance)), configure: resources is null ? null : o => o with { Resources = resources });
        return (host, dht!);
    }

    /// <summary>
    /// Issue 13 item 6: DHT streams count under the resource manager's "dht" service, overall and per peer, so its
    /// limits bound them. A server whose dht service admits no inbound stream per peer serves no request, while the
    /// same request to a server with the default limits is answered.
    /// </summary>
    [Test]
    public async Task Dht_streams_count_against_the_dht_service_limits()
    {
        var (limited, _) = await StartAsync(resources: new ResourceManagerOptions
        {
            ServicePeers = new Dictionary<string, ResourceLimits> { [KademliaService.ResourceService] = new() { StreamsInbound = 0 } },
        });
        await using var _l = limited;
        var (open, _) = await StartAsync();
        await using var _o = open;
        var (client, _) = await StartAsync(server: false);
        await using var _c = client;
        var request = KademliaMessage.Request(KademliaMessageType.GetProviders, ModelProviderKey.For(Model));

        await client.DialAsync(TestHosts.AddressOf(open)).WaitAsync(TestHosts.Timeout);
        await client.DialAsync(TestHosts.AddressOf(limited)).WaitAsync(TestHosts.Timeout);
        await using (var stream = await client.OpenStreamAsync(open.PeerId, [KademliaOptions.DefaultProtocolId]).WaitAsync(TestHosts.Timeout))
            Assert.That(await KademliaProtocol.RequestAsync(stream.Stream, request, new KademliaOptions(), CancellationToken.None).WaitAsync(TestHosts.Timeout), Is.Not.Null);
        Assert.That(async () =>
        {
            await using var stream = await client.OpenStreamAsync(limited.PeerId, [KademliaOptions.DefaultProtocolId]).WaitAsync(TestHosts.Timeout);
            await KademliaProtocol.RequestAsync(stream.Stream, request, new KademliaOptions(), CancellationToken.None).WaitAsync(TestHosts.Timeout);
        }, Throws.InstanceOf<IOException>().Or.InstanceOf<InvalidDataException>(), "the limited server reset the stream: its dht service has no room for the client");
        await Poll.UntilAsync(() => ((ResourceManager)limited.Resources).Usage().Single(u => u.Kind == ResourceScopeKind.System).StreamsInbound == 0, TestHosts.Timeout);
    }

    [Test]
    public async Task Peers_that_know_only_a_bootstrap_peer_find_a_models_providers_and_each_other_through_the_dht()
    {
        var peers = new List<(PeerHost Host, KademliaService Dht)>();
        try
        {
            for (var i = 0; i < 6; i++)
                peers.Add(await StartAsync());
            var bootstrap = peers[0];
            foreach (var (host, _) in peers.Skip(1))
                await host.DialAsync(TestHosts.AddressOf(bootstrap.Host)).WaitAsync(TestHosts.Timeout);
            await Poll.UntilAsync(() => bootstrap.Dht.Node.RoutingTableSize == peers.Count - 1 && peers.Skip(1).All(p => p.Dht.Node.RoutingTableSize >= 1),
                TestHosts.Timeout);

            var provider = peers[3];
            var stored = await provider.Dht.ProvideAsync(Model, CancellationToken.None).WaitAsync(TestHosts.Timeout);
            Assert.That(stored, Is.GreaterThanOrEqualTo(1));

            var seeker = peers[5];
            var found = await seeker.Dht.FindProvidersAsync(Model, 1, CancellationToken.None).WaitAsync(TestHosts.Timeout);
            Assert.That(found.Select(p => p.Id), Is.EqualTo(new[] { provider.Host.PeerId }));
            Assert.That(found[0].Addresses, Does.Contain(provider.Host.ListenAddresses[0]));
            // The record is enough to reach the provider: its addresses are now in the seeker's peer store.
            var connection = await seeker.Host.ConnectAsync(provider.Host.PeerId).WaitAsync(TestHosts.Timeout);
            Assert.That(connection.RemotePeer, Is.EqualTo(provider.Host.PeerId));

            var target = peers[2];
            var located = await peers[4].Dht.FindPeerAsync(target.Host.PeerId, CancellationToken.None).WaitAsync(TestHosts.Timeout);
            Assert.That(located, Is.Not.Null);
            Assert.That(located!.Addresses, Does.Contain(target.Host.ListenAddresses[0]));

            var none = await seeker.Dht.FindProvidersAsync("sha256:" + new string('0', 64), 1, CancellationToken.None).WaitAsync(TestHosts.Timeout);
            Assert.That(none, Is.Empty);
        }
        finally
        {
            foreach (var (host, _) in peers)
                await host.DisposeAsync();
        }
    }

    [Test]
    public async Task A_dht_client_does_not_serve_the_protocol_nor_enter_routing_tables_but_still_looks_up()
    {
        var (server, serverDht) = await StartAsync();
        await using var _s = server;
        var (client, clientDht) = await StartAsync(server: false);
        await using var _c = client;
        Assert.That(client.Protocols, Does.Not.Contain(KademliaOptions.DefaultProtocolId));

        await client.DialAsync(TestHosts.AddressOf(server)).WaitAsync(TestHosts.Timeout);
        await Poll.UntilAsync(() => clientDht.Node.RoutingTableSize == 1, TestHosts.Timeout);
        await serverDht.ProvideAsync(Model, CancellationToken.None).WaitAsync(TestHosts.Timeout);

        var found = await clientDht.FindProvidersAsync(Model, 1, CancellationToken.None).WaitAsync(TestHosts.Timeout);
        Assert.That(found.Select(p => p.Id), Is.EqualTo(new[] { server.PeerId }));
        Assert.That(serverDht.Node.RoutingTableSize, Is.Zero, "a client is not a routing table candidate");
    }

    [Test]
    public void A_malformed_model_hash_is_refused_before_any_lookup()
    {
        Assert.ThrowsAsync<FormatException>(async () =>
        {
            var (host, dht) = await StartAsync();
            await using var _ = host;
            await dht.FindProvidersAsync("sha256:not-hex", 1, CancellationToken.None);
        });
    }
}
