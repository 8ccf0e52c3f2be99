using System.Diagnostics;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.PubSub;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.PubSub;

/// <summary>20 C# hosts on loopback TCP publishing at a fixed rate: delivery ratio and latency (run explicitly).</summary>
[Explicit("benchmark")]
[Category("Benchmark")]
public sealed class GossipLatencyBenchmark
{
    private const string Topic = "bench/latency";

    [TestCase(SignaturePolicy.StrictSign)]
    [TestCase(SignaturePolicy.StrictNoSign)]
    public async Task Twenty_nodes_at_100_messages_per_second(SignaturePolicy policy)
    {
        const int nodes = 20, rate = 100, seconds = 10;
        var random = new Random(42);
        var options = new GossipsubOptions { DefaultSignaturePolicy = policy };
        var hosts = new List<Cerebrum.Core.Network.Host>();
        var routers = new List<GossipRouter>();
        var bindings = new List<GossipHostBinding>();
        var latencies = new List<double>();
        var delivered = 0L;
        var consumers = new List<Task>();
        using var stop = new CancellationTokenSource();
        try
        {
            for (var i = 0; i < nodes; i++)
            {
                var host = await TestHosts.StartAsync(KeyType.Ed25519);
                var router = new GossipRouter(host.Identity, options, random: new Random(i));
                router.Start();
                var binding = new GossipHostBinding(host, router);
                binding.Start();
                hosts.Add(host);
                routers.Add(router);
                bindings.Add(binding);
                var subscription = await router.SubscribeAsync(Topic);
                consumers.Add(Task.Run(async () =>
                {
                    try
                    {
                        await foreach (var message in subscription.Messages(stop.Token))
                        {
                            var sent = BitConverter.ToInt64(message.Data.Span);
                            var ms = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                            lock (latencies) latencies.Add(ms);
                            Interlocked.Increment(ref delivered);
                        }
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }));
            }
            for (var i = 0; i < nodes; i++)
                for (var k = 0; k < 2; k++)
                {
                    var j = random.Next(nodes);
                    if (j != i) await hosts[i].DialAsync(TestHosts.AddressOf(hosts[j]));
                }
            // A ring on top of the random links guarantees connectivity.
            await Task.WhenAll(hosts.Select((h, i) => h.DialAsync(TestHosts.AddressOf(hosts[(i + 1) % nodes]))));
            await Poll.UntilAsync(() => routers.All(r => r.GetMeshPeers(Topic).Count >= 2), TimeSpan.FromSeconds(30));

            var published = 0;
            var stopwatch = Stopwatch.StartNew();
            for (var n = 0; n < rate * seconds; n++)
            {
                var due = TimeSpan.FromSeconds((double)n / rate);
                var wait = due - stopwatch.Elapsed;
                if (wait > TimeSpan.Zero) await Task.Delay(wait);
                var payload = new byte[256];
                BitConverter.TryWriteBytes(payload, Stopwatch.GetTimestamp());
                BitConverter.TryWriteBytes(payload.AsSpan(8), n);
                await routers[random.Next(nodes)].PublishAsync(Topic, payload);
                published++;
            }
            var expected = (long)published * (nodes - 1);
            var deadline = Stopwatch.StartNew();
            while (Interlocked.Read(ref delivered) < expected && deadline.Elapsed < TimeSpan.FromSeconds(10))
                await Task.Delay(50);
            double[] sorted;
            lock (latencies) sorted = [.. latencies.Order()];
            var ratio = (double)Interlocked.Read(ref delivered) / expected;
            TestContext.Out.WriteLine($"{policy}: {nodes} nodes, {published} messages at {rate}/s: delivery {ratio:P2}, " +
                                      $"p50 {sorted[sorted.Length / 2]:F1} ms, p99 {sorted[(int)(sorted.Length * 0.99)]:F1} ms, max {sorted[^1]:F1} ms");
            Assert.That(ratio, Is.EqualTo(1.0));
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var b in bindings) await b.DisposeAsync();
            foreach (var r in routers) await r.DisposeAsync();
            foreach (var h in hosts) await h.DisposeAsync();
            await Task.WhenAll(consumers).WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}
