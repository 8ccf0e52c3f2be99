using System.Diagnostics;
using System.Globalization;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Protocol.Proto;
using Cerebrum.Core.Network;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using P2PHost = Cerebrum.Core.Network.Host;
using P2PHostOptions = Cerebrum.Core.Network.HostOptions;

// MiniLM embeddings (one short sentence per request) at several concurrencies: the InferenceEngine in-process vs a node
// over /cerebrum/infer/1.0.0 on loopback, with and without dynamic batching. Prints a markdown table.
// Usage: inference-bench [--requests N] [--warmup N] [--concurrency 1,8,32] [--max-batch 32] [--batch-delay-ms 2]
//                        [--paths engine,node,node-stream-per-job] [--batching off,on] [--spinning on|off]
// Rows per ONNX Runtime run (how well batching merged) go to stderr.
var requests = 256;
var warmup = 128;
int[] concurrencies = [1, 8, 32];
var maxBatch = 32;
var batchDelay = TimeSpan.FromMilliseconds(2);
string[] paths = ["engine", "node"];
string[] batchingModes = ["off", "on"];
bool? spinning = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--requests": requests = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--warmup": warmup = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--paths": paths = args[++i].Split(','); break;
        case "--batching": batchingModes = args[++i].Split(','); break;
        case "--spinning": spinning = args[++i] == "on"; break;
        case "--concurrency": concurrencies = [.. args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))]; break;
        case "--max-batch": maxBatch = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--batch-delay-ms": batchDelay = TimeSpan.FromMilliseconds(double.Parse(args[++i], CultureInfo.InvariantCulture)); break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

var directory = Directory.CreateTempSubdirectory("cerebrum-inference-bench-").FullName;
try
{
    using var store = new ModelStore(directory);
    var model = store.AddBuiltin(BuiltinModels.AllMiniLmL6V2);
    var encoder = BuiltinTextEncoder.Open();
    var sentences = new[]
    {
        "The quick brown fox jumps over the lazy dog.",
        "Decentralized networks route inference jobs to GPU suppliers.",
        "A node keeps its models warm in memory.",
        "Validators check that nodes answer correctly and fast.",
    };
    var inputs = sentences.Select(s => encoder.Tokenize([s])).ToArray();

    Console.WriteLine($"MiniLM (all-MiniLM-L6-v2) embeddings, one sentence per request, {requests} requests per cell after a warm-up; " +
        $"batching: up to {maxBatch} requests within {batchDelay.TotalMilliseconds} ms; {Environment.ProcessorCount} cores.");
    Console.WriteLine();
    Console.WriteLine("| path | batching | concurrency | p50 ms | p99 ms | requests/s | p50 beyond the model's run ms | process CPU ms per request |");
    Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    foreach (var batching in batchingModes.Select(m => m == "on"))
    {
        var serving = batching ? new ModelServingOptions(1, 1024, maxBatch, batchDelay) : new ModelServingOptions(1, 1024, 1, TimeSpan.Zero);
        var engineOptions = new InferenceEngineOptions { Models = [model.Hash], DefaultServing = serving };
        if (spinning is { } spin) engineOptions = engineOptions with { IntraOpSpinning = spin };
        await using var engine = InferenceEngine.Start(engineOptions, store, NullLogger.Instance);
        using var nodeKey = PrivateKey.Generate(KeyType.Secp256k1);
        var handler = new InferProtocolHandler(engine, nodeKey);
        await using var node = new P2PHost(new P2PHostOptions { Identity = nodeKey, ListenAddresses = [Multiaddress.Parse("/ip4/127.0.0.1/tcp/0")], PingInterval = TimeSpan.Zero }, NullLoggerFactory.Instance);
        node.SetHandler(InferProtocolHandler.ProtocolId, async (stream, ct) =>
        {
            await handler.HandleAsync(stream.Stream, ct);
            await stream.CompleteWritesAsync(ct);
        });
        await node.StartAsync();
        using var clientKey = PrivateKey.Generate(KeyType.Ed25519);
        await using var client = new P2PHost(new P2PHostOptions { Identity = clientKey, PingInterval = TimeSpan.Zero }, NullLoggerFactory.Instance);
        await client.StartAsync();
        var connection = await client.DialAsync(node.ListenAddresses[0].WithPeerId(node.PeerId));

        foreach (var concurrency in concurrencies)
        {
            if (paths.Contains("engine"))
            {
                var before = engine.Statistics(model.Hash);
                var raw = await MeasureAsync(concurrency, warmup, requests, _ => Task.FromResult<Func<int, Task<TimeSpan>>>(async i =>
                    (await engine.RunAsync(new InferenceRequest(model.Hash, inputs[i % inputs.Length], DateTimeOffset.UtcNow.AddMinutes(1)))).ComputeTime));
                Print("in-process engine", batching, concurrency, raw, before, engine.Statistics(model.Hash));
            }
            if (paths.Contains("node"))
            {
                var streams = new List<ProtocolStream>();
                var before = engine.Statistics(model.Hash);
                var network = await MeasureAsync(concurrency, warmup, requests, async _ =>
                {
                    var stream = await connection.OpenStreamAsync(InferProtocolHandler.ProtocolId);
                    lock (streams) streams.Add(stream);
                    return i => ExchangeAsync(stream.Stream, i);
                });
                foreach (var stream in streams) await stream.DisposeAsync();
                Print("node over /cerebrum/infer/1.0.0", batching, concurrency, network, before, engine.Statistics(model.Hash));
            }
            // Optional: a new stream per job, as a gateway without stream reuse does, with the request sent behind the
            // protocol proposal (no negotiation round trip).
            if (paths.Contains("node-stream-per-job"))
            {
                var before = engine.Statistics(model.Hash);
                var network = await MeasureAsync(concurrency, warmup, requests, _ => Task.FromResult<Func<int, Task<TimeSpan>>>(async i =>
                {
                    await using var stream = await connection.OpenStreamLazyAsync(InferProtocolHandler.ProtocolId);
                    var compute = await ExchangeAsync(stream.Stream, i);
                    await stream.CompleteWritesAsync();
                    return compute;
                }));
                Print("node, lazily opened stream per job", batching, concurrency, network, before, engine.Statistics(model.Hash));
            }
        }
    }
    return 0;

    // The model's run time as the node reports it.
    async Task<TimeSpan> ExchangeAsync(Stream stream, int i)
    {
        var request = new InferRequest { JobId = i.ToString(CultureInfo.InvariantCulture), ModelHash = model.Hash, DeadlineUnixMs = DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds() };
        request.Inputs.AddRange(inputs[i % inputs.Length].Select(WireTensors.ToWire));
        await LengthPrefixedMessage.WriteAsync(stream, request.ToByteArray(), CancellationToken.None);
        var answer = await LengthPrefixedMessage.ReadAsync(stream, 64 << 20, CancellationToken.None) ?? throw new IOException("stream ended");
        var response = InferResponse.Parser.ParseFrom(answer);
        if (response.Error is { } error) throw new InvalidOperationException($"{error.Code}: {error.Message}");
        return TimeSpan.FromMicroseconds(response.ComputeMicros);
    }
}
finally
{
    Directory.Delete(directory, recursive: true);
}

// Each of `concurrency` workers gets its own request function (e.g. its own stream), which returns the model's run time
// for that request; together they first run `warmup` requests unmeasured, then more in rounds of at least 0.5 s until a round leaves the
// JIT (nearly) idle, at most for WarmUpLimit (so that the JIT has tiered up the path and its buffers are allocated, as
// on a node that has been serving for a while: with the old fixed 128 requests, the node path's cell went on compiling
// about 1,500 methods while measured, about 1.8 ms of CPU per request), then `total` measured ones. Returns sorted
// latencies in ms, sorted latencies beyond the model's run (what the path adds to ONNX Runtime, request by request, so
// that the run time's own spread cancels out), the wall time and process CPU of the measured part, and the methods the
// JIT compiled during it (non-zero: the warm-up was too short and the figures include compilation).
static async Task<Measurement> MeasureAsync(int concurrency, int warmup, int total, Func<int, Task<Func<int, Task<TimeSpan>>>> createWorker)
{
    var workers = new Func<int, Task<TimeSpan>>[concurrency];
    for (var w = 0; w < concurrency; w++) workers[w] = await createWorker(w);
    var warmedUp = Stopwatch.StartNew();
    var warmUpRequests = await RunAsync(Math.Max(warmup, concurrency), null, null);
    while (warmedUp.Elapsed < WarmUpLimit)
    {
        var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        warmUpRequests += await RunAsync(4 * concurrency, null, null, QuietRound);
        if (System.Runtime.JitInfo.GetCompiledMethodCount() - compiled <= QuietRoundMethods) break;
    }
    Console.Error.WriteLine($"  warm-up: {warmUpRequests} requests in {warmedUp.Elapsed.TotalSeconds:0.0} s");
    var latencies = new double[total];
    var beyondRun = new double[total];
    var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var wall = Stopwatch.StartNew();
    await RunAsync(total, latencies, beyondRun);
    wall.Stop();
    cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
    jitted = System.Runtime.JitInfo.GetCompiledMethodCount() - jitted;
    Array.Sort(latencies);
    Array.Sort(beyondRun);
    return new Measurement(latencies, beyondRun, wall.Elapsed, cpu, jitted);

    // At least `count` requests, and for warm-up rounds at least `minimum` long (longer than the JIT's tiering delay).
    async Task<int> RunAsync(int count, double[]? record, double[]? recordBeyondRun, TimeSpan minimum = default)
    {
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(workers.Select(work => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count || (record is null && clock.Elapsed < minimum))
            {
                var started = Stopwatch.GetTimestamp();
                var run = await work(i);
                var elapsed = Stopwatch.GetElapsedTime(started);
                record?[i] = elapsed.TotalMilliseconds;
                recordBeyondRun?[i] = (elapsed - run).TotalMilliseconds;
            }
        })));
        return next - workers.Length + 1;
    }
}

static void Print(string path, bool batching, int concurrency, Measurement result, ModelStatistics before, ModelStatistics after)
{
    var runs = after.Runs - before.Runs;
    var l = result.Latencies;
    string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
    Console.Error.WriteLine($"{path}, batching {(batching ? "on" : "off")}, concurrency {concurrency}: " +
        $"{(after.Completed - before.Completed) / (double)Math.Max(1, runs):0.0} requests per run (warm-up included), " +
        $"{result.Jitted} methods JIT-compiled while measuring");
    Console.WriteLine($"| {path} | {(batching ? "on" : "off")} | {concurrency} | {F(l[l.Length / 2])} | {F(l[Math.Min(l.Length - 1, (int)(l.Length * 0.99))])} | {(l.Length / result.Wall.TotalSeconds).ToString("0.0", CultureInfo.InvariantCulture)} | {F(result.BeyondRun[l.Length / 2])} | {F(result.Cpu.TotalMilliseconds / l.Length)} |");
}

internal static partial class Program
{
    /// <summary>Longest warm-up of one cell.</summary>
    private static readonly TimeSpan WarmUpLimit = TimeSpan.FromSeconds(30);

    /// <summary>Shortest warm-up round: longer than the JIT's tiering delay (100 ms), so that a quiet round means tiered up.</summary>
    private static readonly TimeSpan QuietRound = TimeSpan.FromMilliseconds(500);

    /// <summary>A warm-up round that compiled at most this many methods ends the warm-up.</summary>
    private const int QuietRoundMethods = 2;
}

internal sealed record Measurement(double[] Latencies, double[] BeyondRun, TimeSpan Wall, TimeSpan Cpu, long Jitted);
