using Cerebrum.Core.Crypto;
using Cerebrum.Core.PubSub;
using Cerebrum.Daemon.Metrics;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.PubSub;

/// <summary>A router's <see cref="PubSubMetrics"/> follow its mesh and the messages it receives and delivers.</summary>
[TestFixture]
public sealed class PubSubMetricsTests
{
    private const string Topic = "cerebrum/test/metrics";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static async Task<GossipTestNode> StartNodeAsync(TestMeterFactory? meterFactory)
    {
        var host = await TestHosts.StartAsync(KeyType.Ed25519);
        var router = new GossipRouter(host.Identity, new GossipsubOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(100) }, meterFactory: meterFactory);
        router.Start();
        var binding = new GossipHostBinding(host, router);
        binding.Start();
        return new GossipTestNode(host, router, binding);
    }

    [Test]
    public async Task MeshAndReceivedMessage_AreCounted()
    {
        using var factory = new TestMeterFactory();
        using var exporter = new PrometheusExporter(factory);
        await using var publisher = await StartNodeAsync(null);
        await using var metered = await StartNodeAsync(factory);
        await publisher.Router.SubscribeAsync(Topic);
        var subscription = await metered.Router.SubscribeAsync(Topic);
        MetricsSnapshot Snapshot() => MetricsSnapshot.Of(exporter);
        Assert.That(Snapshot().Value("cerebrum_pubsub_mesh_peers", ("topic", Topic)), Is.Zero);
        Assert.That(Snapshot().Has("cerebrum_pubsub_messages_delivered_total"), Is.True);

        await publisher.Host.DialAsync(TestHosts.AddressOf(metered.Host));
        await Poll.UntilAsync(() => Snapshot().Value("cerebrum_pubsub_mesh_peers", ("topic", Topic)) == 1
                                    && publisher.Router.GetMeshPeers(Topic).Count == 1, Timeout);
        Assert.That(Snapshot().Value("cerebrum_pubsub_topic_peers", ("topic", Topic)), Is.EqualTo(1));

        await publisher.Router.PublishAsync(Topic, "hello"u8.ToArray());
        await using (var messages = subscription.Messages().GetAsyncEnumerator())
            Assert.That(await messages.MoveNextAsync().AsTask().WaitAsync(Timeout), Is.True);

        var after = Snapshot();
        Assert.That(after.Value("cerebrum_pubsub_messages_received_total"), Is.EqualTo(1));
        Assert.That(after.Value("cerebrum_pubsub_messages_delivered_total"), Is.EqualTo(1));
        Assert.That(after.Value("cerebrum_pubsub_messages_dropped_total", ("reason", "invalid_signature")), Is.Zero);
    }
}
