using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Cerebrum.Bench.Gossip;
using Cerebrum.Core.PubSub;

// gossip-bench: the C# side of scripts/bench/gossip. Each mode prints one JSON line on stdout.
//   gossip-bench throughput --size BYTES --count N --policy sign|nosign
//   gossip-bench network --nodes 20 --rate 100 --seconds 10 --policy sign|nosign
// Identities are Ed25519; StrictNoSign message ids are SHA-256 of the data, like js.
var mode = args.Length > 0 ? args[0] : "";
var options = ParseOptions(args.Skip(1).ToArray());
var policy = options.GetValueOrDefault("policy", "sign") switch
{
    "sign" => SignaturePolicy.StrictSign,
    "nosign" => SignaturePolicy.StrictNoSign,
    var other => throw new ArgumentException($"--policy must be sign or nosign, not {other}"),
};
object result = mode switch
{
    "throughput" => await Throughput(Int("size", 1024), Int("count", 20_000), policy),
    "network" => await Network(Int("nodes", 20), Int("rate", 100), Int("seconds", 10), policy),
    _ => throw new ArgumentException("usage: gossip-bench throughput|network [--option value]..."),
};
Console.WriteLine(JsonSerializer.Serialize(result));
return 0;

int Int(string name, int fallback) =>
    options.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

static Dictionary<string, string> ParseOptions(string[] args)
{
    var options = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i + 1 < args.Length; i += 2)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected {args[i]}");
        options[args[i][2..]] = args[i + 1];
    }
    return options;
}

static async Task WaitUntil(Func<bool> condition, TimeSpan timeout, string what)
{
    var deadline = Stopwatch.StartNew();
    while (!condition())
    {
        if (deadline.Elapsed > timeout) throw new TimeoutException($"{what} not within {timeout.TotalSeconds} s");
        await Task.Delay(10);
    }
}

// (a) Two peers: A publishes as fast as B consumes (at most `window` ahead); messages per second delivered at B.
static async Task<object> Throughput(int size, int count, SignaturePolicy policy)
{
    const string topic = "bench";
    // Defaults, as js runs on its defaults: like for like (the queues were once raised here, js's never were).
    var options = new GossipsubOptions { DefaultSignaturePolicy = policy };
    await using var a = await BenchNode.StartAsync(options, 1);
    await using var b = await BenchNode.StartAsync(options, 2);
    using var subA = await a.Router.SubscribeAsync(topic);
    using var sub = await b.Router.SubscribeAsync(topic);
    await a.Host.DialAsync(b.Address);
    await WaitUntil(() => a.Router.GetMeshPeers(topic).Count == 1 && b.Router.GetMeshPeers(topic).Count == 1, TimeSpan.FromSeconds(20), "mesh");

    var payload = new byte[size];
    var received = 0;
    var consumer = Task.Run(async () =>
    {
        await foreach (var _ in sub.Messages())
            if (Interlocked.Increment(ref received) == count) return;
    });
    var stopwatch = Stopwatch.StartNew();
    const int window = 1000;
    for (var i = 0; i < count; i++)
    {
        BitConverter.TryWriteBytes(payload, i); // distinct payloads: StrictNoSign ids are SHA-256 of the data
        while (i - Volatile.Read(ref received) >= window) await Task.Yield();
        await a.Router.PublishAsync(topic, payload);
    }
    await consumer.WaitAsync(TimeSpan.FromMinutes(2));
    var seconds = stopwatch.Elapsed.TotalSeconds;
    return new { impl = "cs", mode = "throughput", policy = policy.ToString(), size, count, delivered = received, seconds, msgPerSec = received / seconds };
}

// (b) `nodes` peers on loopback TCP (two random links each plus a ring), random publishers at a fixed rate:
// delivery ratio and p50/p99 latency from publish to each subscriber's delivery.
static async Task<object> Network(int nodes, int rate, int seconds, SignaturePolicy policy)
{
    const string topic = "bench/latency";
    var random = new Random(42);
    var options = new GossipsubOptions { DefaultSignaturePolicy = policy };
    var peers = new List<BenchNode>();
    var latencies = new List<double>();
    var delivered = 0L;
    var consumers = new List<Task>();
    using var stop = new CancellationTokenSource();
    try
    {
        for (var i = 0; i < nodes; i++)
        {
            var node = await BenchNode.StartAsync(options, i);
            peers.Add(node);
            var subscription = await node.Router.SubscribeAsync(topic);
            consumers.Add(Task.Run(async () =>
            {
                try
                {
                    await foreach (var message in subscription.Messages(stop.Token))
                    {
                        var ms = Stopwatch.GetElapsedTime(BitConverter.ToInt64(message.Data.Span)).TotalMilliseconds;
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
                if (j != i) await peers[i].Host.DialAsync(peers[j].Address);
            }
        await Task.WhenAll(peers.Select((p, i) => p.Host.DialAsync(peers[(i + 1) % nodes].Address)));
        // Both sides wait up to 30 s for every node to have a mesh peer, then measure whatever formed.
        var meshReady = true;
        try
        {
            await WaitUntil(() => peers.All(p => p.Router.GetMeshPeers(topic).Count >= 1), TimeSpan.FromSeconds(30), "mesh");
        }
        catch (TimeoutException)
        {
            meshReady = false;
        }

        var published = 0;
        var stopwatch = Stopwatch.StartNew();
        for (var n = 0; n < rate * seconds; n++)
        {
            var wait = TimeSpan.FromSeconds((double)n / rate) - stopwatch.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            var payload = new byte[256];
            BitConverter.TryWriteBytes(payload, Stopwatch.GetTimestamp());
            BitConverter.TryWriteBytes(payload.AsSpan(8), n);
            await peers[random.Next(nodes)].Router.PublishAsync(topic, payload);
            published++;
        }
        var expected = (long)published * (nodes - 1);
        var drain = Stopwatch.StartNew();
        while (Interlocked.Read(ref delivered) < expected && drain.Elapsed < TimeSpan.FromSeconds(10))
            await Task.Delay(50);
        double[] sorted;
        lock (latencies) sorted = [.. latencies.Order()];
        return new
        {
            impl = "cs", mode = "network", policy = policy.ToString(), nodes, rate, published, meshReady,
            ratio = (double)Interlocked.Read(ref delivered) / expected,
            p50 = sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2],
            p99 = sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * 0.99))],
        };
    }
    finally
    {
        await stop.CancelAsync();
        foreach (var peer in peers) await peer.DisposeAsync();
        await Task.WhenAll(consumers).WaitAsync(TimeSpan.FromSeconds(10));
    }
}
