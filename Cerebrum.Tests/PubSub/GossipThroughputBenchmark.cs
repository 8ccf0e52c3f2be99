using System.Diagnostics;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.PubSub;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.PubSub;

/// <summary>Two C# hosts on loopback: messages per second delivered (run explicitly; numbers go to TestContext.Out).</summary>
[Explicit("benchmark")]
[Category("Benchmark")]
public sealed class GossipThroughputBenchmark
{
    private const string Topic = "bench";

    [TestCase(1024, 20_000, SignaturePolicy.StrictSign)]
    [TestCase(1024, 20_000, SignaturePolicy.StrictNoSign)]
    [TestCase(64 * 1024, 4_000, SignaturePolicy.StrictSign)]
    [TestCase(64 * 1024, 4_000, SignaturePolicy.StrictNoSign)]
    public async Task Two_peers_messages_per_second(int size, int count, SignaturePolicy policy)
    {
        var options = new GossipsubOptions { DefaultSignaturePolicy = policy, PeerSendQueueCapacity = 4096, SubscriptionBufferCapacity = 8192 };
        await using var hostA = await TestHosts.StartAsync(KeyType.Ed25519);
        await using var hostB = await TestHosts.StartAsync(KeyType.Ed25519);
        await using var a = new GossipRouter(hostA.Identity, options);
        await using var b = new GossipRouter(hostB.Identity, options);
        a.Start();
        b.Start();
        await using var bindA = new GossipHostBinding(hostA, a);
        await using var bindB = new GossipHostBinding(hostB, b);
        bindA.Start();
        bindB.Start();
        await a.SubscribeAsync(Topic);
        var sub = await b.SubscribeAsync(Topic);
        await hostA.DialAsync(TestHosts.AddressOf(hostB));
        await Poll.UntilAsync(() => a.GetMeshPeers(Topic).Count == 1 && b.GetMeshPeers(Topic).Count == 1, TimeSpan.FromSeconds(20));

        var payload = new byte[size];
        var received = 0;
        var consumer = Task.Run(async () =>
        {
            await foreach (var _ in sub.Messages())
                if (Interlocked.Increment(ref received) == count) return;
        });
        var stopwatch = Stopwatch.StartNew();
        const int window = 1000; // publish ahead of the consumer by at most this many messages
        for (var i = 0; i < count; i++)
        {
            BitConverter.TryWriteBytes(payload, i);
            while (i - Volatile.Read(ref received) >= window) await Task.Yield();
            await a.PublishAsync(Topic, payload);
        }
        await consumer.WaitAsync(TimeSpan.FromMinutes(2));
        var seconds = stopwatch.Elapsed.TotalSeconds;
        TestContext.Out.WriteLine($"{policy} {size} B: {count} messages in {seconds:F2} s = {count / seconds:F0} msg/s, {count * (double)size / seconds / 1e6:F1} MB/s; dropped {a.GetCounters().DroppedOutgoingRpcs}");
        Assert.That(received, Is.EqualTo(count));
    }
}
