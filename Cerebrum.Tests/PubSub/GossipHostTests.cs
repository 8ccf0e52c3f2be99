using System.Collections.Concurrent;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Streams;
using Cerebrum.Core.PubSub;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.PubSub;

/// <summary>Gossipsub between real hosts on loopback TCP (Noise, Yamux, multistream-select).</summary>
public sealed class GossipHostTests
{
    private const string Topic = "cerebrum/test/host";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <param name="acceptPeerExchange">Take PX from peers with score 0 (the default threshold wants earned score).</param>
    private static async Task<GossipTestNode> StartNodeAsync(KeyType keyType, GossipsubOptions? options = null, bool acceptPeerExchange = false)
    {
        var host = await TestHosts.StartAsync(keyType);
        var router = new GossipRouter(host.Identity, options ?? new GossipsubOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(100) },
            thresholds: acceptPeerExchange ? new PeerScoreThresholds { AcceptPXThreshold = 0 } : null);
        router.Start();
        var binding = new GossipHostBinding(host, router);
        binding.Start();
        return new GossipTestNode(host, router, binding);
    }

    private static async Task<PubSubMessage> NextAsync(Subscription subscription)
    {
        await using var e = subscription.Messages().GetAsyncEnumerator();
        Assert.That(await e.MoveNextAsync().AsTask().WaitAsync(Timeout), Is.True);
        return e.Current;
    }

    [Test]
    public async Task Three_hosts_on_loopback_form_a_mesh_and_relay_signed_messages()
    {
        await using var a = await StartNodeAsync(KeyType.Ed25519);
        await using var b = await StartNodeAsync(KeyType.Secp256k1);
        await using var c = await StartNodeAsync(KeyType.Secp256k1);
        var subA = await a.Router.SubscribeAsync(Topic);
        await b.Router.SubscribeAsync(Topic);
        var subC = await c.Router.SubscribeAsync(Topic);

        await a.Host.DialAsync(TestHosts.AddressOf(b.Host));
        await c.Host.DialAsync(TestHosts.AddressOf(b.Host));
        await Poll.UntilAsync(() => b.Router.GetMeshPeers(Topic).Count == 2
                                    && a.Router.GetMeshPeers(Topic).Contains(b.Host.PeerId)
                                    && c.Router.GetMeshPeers(Topic).Contains(b.Host.PeerId), Timeout);

        await a.Router.PublishAsync(Topic, "ed25519 author"u8.ToArray());
        var atC = await NextAsync(subC);
        Assert.That(atC.From, Is.EqualTo(a.Host.PeerId));
        Assert.That(atC.ReceivedFrom, Is.EqualTo(b.Host.PeerId));
        Assert.That(atC.Data.ToArray(), Is.EqualTo("ed25519 author"u8.ToArray()));

        await c.Router.PublishAsync(Topic, "secp256k1 author"u8.ToArray());
        var atA = await NextAsync(subA);
        Assert.That(atA.From, Is.EqualTo(c.Host.PeerId));
        Assert.That(b.Router.GetCounters().InvalidSignatures, Is.Zero);
    }

    /// <summary>
    /// A hub whose mesh holds one peer prunes the second with peer exchange, offering the first with its signed peer
    /// record (learnt through identify). The pruned peer has no other way to know where the offered one listens.
    /// </summary>
    [Test]
    public async Task Peer_exchange_with_signed_records_connects_peers_that_only_knew_the_hub()
    {
        var hubOptions = new GossipsubOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(100), D = 1, DLow = 1, DHigh = 1, DScore = 0, DOut = 0 };
        await using var hub = await StartNodeAsync(KeyType.Secp256k1, hubOptions);
        await using var a = await StartNodeAsync(KeyType.Ed25519, acceptPeerExchange: true);
        await using var c = await StartNodeAsync(KeyType.Secp256k1, acceptPeerExchange: true);
        await hub.Router.SubscribeAsync(Topic);
        await a.Router.SubscribeAsync(Topic);
        await c.Router.SubscribeAsync(Topic);
        await a.Host.DialAsync(TestHosts.AddressOf(hub.Host));
        await c.Host.DialAsync(TestHosts.AddressOf(hub.Host));
        Assert.That(a.Host.PeerStore.Get(c.Host.PeerId), Is.Null, "a knows nothing of c at first");
        Assert.That(c.Host.PeerStore.Get(a.Host.PeerId), Is.Null, "nor c of a");

        await Poll.UntilAsync(() => a.Host.FindConnection(c.Host.PeerId) is not null, Timeout);

        // Whichever of the two was pruned learnt the other's address from the record the hub passed on.
        var learnt = a.Host.PeerStore.Get(c.Host.PeerId) is { SignedPeerRecord.IsEmpty: false } ? (a, c) : (c, a);
        Assert.That(learnt.Item1.Host.PeerStore.Get(learnt.Item2.Host.PeerId)!.SignedPeerRecord.ToArray(), Is.EqualTo(learnt.Item2.Host.SignedPeerRecord.ToArray()));
    }

    [Test]
    public async Task A_disconnected_peer_is_forgotten()
    {
        await using var a = await StartNodeAsync(KeyType.Ed25519);
        await using var b = await StartNodeAsync(KeyType.Ed25519);
        await a.Router.SubscribeAsync(Topic);
        await b.Router.SubscribeAsync(Topic);
        await a.Host.DialAsync(TestHosts.AddressOf(b.Host));
        await Poll.UntilAsync(() => a.Router.GetMeshPeers(Topic).Contains(b.Host.PeerId), Timeout);

        await a.Host.DisconnectAsync(b.Host.PeerId);
        await Poll.UntilAsync(() => !a.Router.GetPeers().Contains(b.Host.PeerId) && !b.Router.GetPeers().Contains(a.Host.PeerId), Timeout);
        Assert.That(a.Router.GetMeshPeers(Topic), Is.Empty);
    }

    [Test]
    public async Task Direct_peers_are_reconnected_and_receive_messages_outside_the_mesh()
    {
        await using var b = await StartNodeAsync(KeyType.Ed25519);
        var hostA = await TestHosts.StartAsync(KeyType.Ed25519);
        hostA.PeerStore.AddAddresses(b.Host.PeerId, [b.Host.ListenAddresses[0]]);
        var router = new GossipRouter(hostA.Identity, new GossipsubOptions
        {
            HeartbeatInterval = TimeSpan.FromMilliseconds(100),
            DirectPeers = new HashSet<PeerId> { b.Host.PeerId },
            DirectConnectInterval = TimeSpan.FromMilliseconds(200),
        });
        router.Start();
        var binding = new GossipHostBinding(hostA, router);
        binding.Start();
        await using var a = new GossipTestNode(hostA, router, binding);

        await a.Router.SubscribeAsync(Topic);
        var subB = await b.Router.SubscribeAsync(Topic);
        await Poll.UntilAsync(() => a.Router.GetTopicPeers(Topic).Contains(b.Host.PeerId), Timeout);
        await a.Router.PublishAsync(Topic, "direct"u8.ToArray());
        Assert.That((await NextAsync(subB)).Data.ToArray(), Is.EqualTo("direct"u8.ToArray()));
        Assert.That(a.Router.GetMeshPeers(Topic), Has.No.Member(b.Host.PeerId), "direct peers stay outside the mesh");

        var first = hostA.FindConnection(b.Host.PeerId)!.Id;
        await b.Host.DisconnectAsync(a.Host.PeerId);
        await Poll.UntilAsync(() => hostA.FindConnection(b.Host.PeerId) is { } c && c.Id != first, Timeout);
        await Poll.UntilAsync(() => a.Router.GetTopicPeers(Topic).Contains(b.Host.PeerId), Timeout);
        await a.Router.PublishAsync(Topic, "after reconnect"u8.ToArray());
        Assert.That((await NextAsync(subB)).Data.ToArray(), Is.EqualTo("after reconnect"u8.ToArray()));
    }

    /// <summary>
    /// The start-up race: a peer connects before our gossipsub has started, so its stream to us is refused (no handler
    /// yet). Once we start, we open our stream to it; that inbound stream tells it we speak gossipsub now, and it opens
    /// its stream again: each side learns the other's subscriptions and messages flow both ways.
    /// </summary>
    [Test]
    public async Task A_peer_connected_before_our_gossipsub_started_opens_its_stream_again_once_we_start()
    {
        using var logs = new RecordingLoggerFactory();
        var hostA = await TestHosts.StartAsync(KeyType.Ed25519);
        var routerA = new GossipRouter(hostA.Identity, new GossipsubOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(100) });
        routerA.Start();
        var bindingA = new GossipHostBinding(hostA, routerA, logs.CreateLogger("a"));
        bindingA.Start();
        await using var a = new GossipTestNode(hostA, routerA, bindingA);
        var subA = await a.Router.SubscribeAsync(Topic);

        var hostB = await TestHosts.StartAsync(KeyType.Ed25519);
        var routerB = new GossipRouter(hostB.Identity, new GossipsubOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(100) });
        var bindingB = new GossipHostBinding(hostB, routerB);
        await using var b = new GossipTestNode(hostB, routerB, bindingB);
        await a.Host.DialAsync(TestHosts.AddressOf(b.Host));
        // a's stream to b was refused: b serves no gossipsub yet.
        await Poll.UntilAsync(() => logs.Messages.Any(m => m.Message.Contains("does not speak gossipsub", StringComparison.Ordinal)), Timeout);

        routerB.Start();
        bindingB.Start();
        var subB = await b.Router.SubscribeAsync(Topic);
        await Poll.UntilAsync(() => a.Router.GetTopicPeers(Topic).Contains(b.Host.PeerId) && b.Router.GetTopicPeers(Topic).Contains(a.Host.PeerId), Timeout);

        await a.Router.PublishAsync(Topic, "from a, started first"u8.ToArray());
        Assert.That((await NextAsync(subB)).Data.ToArray(), Is.EqualTo("from a, started first"u8.ToArray()));
        await b.Router.PublishAsync(Topic, "from b, started second"u8.ToArray());
        Assert.That((await NextAsync(subA)).Data.ToArray(), Is.EqualTo("from b, started second"u8.ToArray()));
    }

    /// <summary>
    /// The remote resets our stream while the connection stays up: the writer sees it at once, the peer is kept (its
    /// subscriptions and mesh place intact), a new stream is opened after the retry delay, and messages flow again.
    /// </summary>
    [Test]
    public async Task An_outbound_stream_reset_while_connected_is_opened_again_and_messages_flow()
    {
        await using var a = await StartNodeAsync(KeyType.Ed25519);
        await using var b = await StartNodeAsync(KeyType.Ed25519);
        // b serves gossipsub through a handler that keeps each inbound stream, so that the test can reset a's.
        var inbound = new ConcurrentQueue<ProtocolStream>();
        foreach (var protocol in GossipsubProtocols.All)
        {
            b.Host.SetHandler(protocol, (stream, ct) =>
            {
                inbound.Enqueue(stream);
                Assert.That(GossipsubProtocols.TryParse(stream.Protocol, out var version), Is.True);
                return b.Router.RunInboundStreamAsync(stream.Connection.RemotePeer, version,
                    stream.Connection.Direction == ConnectionDirection.Outbound, stream.Stream, ct);
            });
        }
        await a.Router.SubscribeAsync(Topic);
        var subB = await b.Router.SubscribeAsync(Topic);
        await a.Host.DialAsync(TestHosts.AddressOf(b.Host));
        await Poll.UntilAsync(() => a.Router.GetMeshPeers(Topic).Contains(b.Host.PeerId) && b.Router.GetMeshPeers(Topic).Contains(a.Host.PeerId), Timeout);
        await a.Router.PublishAsync(Topic, "before the reset"u8.ToArray());
        Assert.That((await NextAsync(subB)).Data.ToArray(), Is.EqualTo("before the reset"u8.ToArray()));
        Assert.That(inbound, Has.Count.EqualTo(1));

        inbound.Single().Reset();
        await Poll.UntilAsync(() => inbound.Count == 2, Timeout);
        Assert.That(a.Host.FindConnection(b.Host.PeerId), Is.Not.Null, "the connection stayed up");
        Assert.That(a.Router.GetPeers(), Does.Contain(b.Host.PeerId), "a kept b while its stream was replaced");

        await a.Router.PublishAsync(Topic, "after the reset"u8.ToArray());
        Assert.That((await NextAsync(subB)).Data.ToArray(), Is.EqualTo("after the reset"u8.ToArray()));
        Assert.That(a.Router.GetMeshPeers(Topic), Does.Contain(b.Host.PeerId));
    }
}
