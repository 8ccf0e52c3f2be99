using System.Diagnostics;
using System.Globalization;
using Cerebrum.Bench;
using Cerebrum.Bench.Inference;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Embedding;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Protocol.Proto;
using Cerebrum.Core.Inference.Scheduling;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Streams;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;

// MiniLM embeddings (one short sentence per request) at several concurrencies: the InferenceEngine in-process vs a node
// over /cerebrum/infer/1.0.0 on loopback, with and without dynamic batching. Prints a markdown table.
// Then, without batching, the two paths interleaved request by request at concurrency 1 (--pairs; 0 skips), and ONNX
// Runtime's own throughput by batch size (--sweep; "none" skips), which bounds what batching can gain on this machine.
// Usage: inference-bench [--requests N] [--warmup N] [--concurrency 1,8,32] [--max-batch 32] [--batch-delay-ms 2]
//                        [--paths engine,node,node-stream-per-job] [--batching off,on] [--spinning on|off]
//                        [--pairs N] [--sweep 1,2,4,8,16,32,64|none]
// Rows per ONNX Runtime run (how well batching merged) go to stderr.
var requests = 256;
var warmup = 128;
int[] concurrencies = [1, 8, 32];
var maxBatch = 32;
var batchDelay = TimeSpan.FromMilliseconds(2);
string[] paths = ["engine", "node"];
string[] batchingModes = ["off", "on"];
bool? spinning = null;
var pairs = 400;
int[] sweep = [1, 2, 4, 8, 16, 32, 64];
var tokenizationRounds = 400;
var tokenizationOnly = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--requests": requests = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--warmup": warmup = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--paths": paths = args[++i].Split(','); break;
        case "--batching": batchingModes = args[++i].Split(','); break;
        case "--spinning": spinning = args[++i] == "on"; break;
        case "--pairs": pairs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--tokenization": tokenizationRounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--tokenization-only": tokenizationOnly = true; break;
        case "--sweep":
            var sizes = args[++i];
            sweep = sizes == "none" ? [] : [.. sizes.Split(',').Select(b => int.Parse(b, CultureInfo.InvariantCulture))];
            break;
        case "--concurrency": concurrencies = [.. args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))]; break;
        case "--max-batch": maxBatch = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--batch-delay-ms": batchDelay = TimeSpan.FromMilliseconds(double.Parse(args[++i], CultureInfo.InvariantCulture)); break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

if (tokenizationRounds > 0)
{
    PrintTokenization(tokenizationRounds);
    if (tokenizationOnly) return 0;
    Console.WriteLine();
}

var directory = Directory.CreateTempSubdirectory("cerebrum-inference-bench-").FullName;
try
{
    using var store = new ModelStore(directory);
    var model = store.AddBuiltin(BuiltinModels.AllMiniLmL6V2);
    var pipeline = TextEmbeddingPipelines.ForBuiltin();
    var sentences = new[]
    {
        "The quick brown fox jumps over the lazy dog.",
        "Decentralized networks route inference jobs to GPU suppliers.",
        "A node keeps its models warm in memory.",
        "Validators check that nodes answer correctly and fast.",
    };
    var inputs = sentences.Select(s => pipeline.Tokenize([s]).Inputs).ToArray();

    Console.WriteLine($"MiniLM (all-MiniLM-L6-v2) embeddings, one sentence per request, {requests} requests per cell after a warm-up; " +
        $"batching: up to {maxBatch} requests within {batchDelay.TotalMilliseconds} ms; {Environment.ProcessorCount} cores.");
    Console.WriteLine();
    Console.WriteLine("| path | batching | concurrency | p50 ms | p99 ms | requests/s | p50 beyond the model's run ms | process CPU ms per request |");
    Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    var notes = new List<string>();
    foreach (var batching in batchingModes.Select(m => m == "on"))
    {
        var serving = batching ? new ModelServingOptions(1, 1024, maxBatch, batchDelay) : new ModelServingOptions(1, 1024, 1, TimeSpan.Zero);
        var engineOptions = new InferenceEngineOptions { Models = [model.Hash], DefaultServing = serving };
        if (spinning is { } spin) engineOptions = engineOptions with { IntraOpSpinning = spin };
        await using var engine = InferenceEngine.Start(engineOptions, store, NullLogger.Instance);
        using var nodeKey = PrivateKey.Generate(KeyType.Secp256k1);
        var handler = new InferProtocolHandler(engine, nodeKey);
        await using var node = new PeerHost(new PeerHostOptions { Identity = nodeKey, ListenAddresses = [Multiaddress.Parse("/ip4/127.0.0.1/tcp/0")], PingInterval = TimeSpan.Zero }, NullLoggerFactory.Instance);
        node.SetHandler(InferProtocolHandler.ProtocolId, async (stream, ct) =>
        {
            await handler.HandleAsync(stream.Stream, stream.Connection.RemotePeer, ct);
            await stream.CompleteWritesAsync(ct);
        });
        await node.StartAsync();
        using var clientKey = PrivateKey.Generate(KeyType.Ed25519);
        await using var client = new PeerHost(new PeerHostOptions { Identity = clientKey, PingInterval = TimeSpan.Zero }, NullLoggerFactory.Instance);
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

        // Both paths are warm now (the cells above); the same input for both requests of each pair.
        if (!batching && pairs > 0)
        {
            var stream = await connection.OpenStreamAsync(InferProtocolHandler.ProtocolId);
            var paired = await InterleavedComparison.MeasureAsync(
                async i => (await engine.RunAsync(new InferenceRequest(model.Hash, inputs[i % inputs.Length], DateTimeOffset.UtcNow.AddMinutes(1)))).ComputeTime,
                i => ExchangeAsync(stream.Stream, i),
                pairs);
            await stream.DisposeAsync();
            notes.Add(FormattableString.Invariant(
                $"- Interleaved, concurrency 1, no batching, {pairs} pairs (in-process engine, node over /cerebrum/infer/1.0.0): p50 {paired.P50A:0.00} against {paired.P50B:0.00} ms, ") +
                FormattableString.Invariant(
                $"difference of the p50s {paired.P50B - paired.P50A:0.00} ms, median of the pairs' differences {paired.MedianDifference:0.00} ms; beyond the model's run {paired.BeyondRunP50A:0.00} against {paired.BeyondRunP50B:0.00} ms."));
        }
        if (!batching && sweep.Length > 0)
        {
            var swept = await BatchSizeSweep.MeasureAsync(engine, model.Hash, pipeline, sentences, sweep);
            var single = swept.FirstOrDefault(r => r.BatchSize == 1).SentencesPerSecond;
            notes.Add("");
            notes.Add("ONNX Runtime by batch size (one request of B sentences per run, one run at a time, no scheduler):");
            notes.Add("");
            notes.Add("| sentences per run | ms per run | sentences/s | vs 1 per run |");
            notes.Add("| ---: | ---: | ---: | ---: |");
            foreach (var (size, runMs, perSecond) in swept)
                notes.Add(FormattableString.Invariant($"| {size} | {runMs:0.00} | {perSecond:0.0} | {(single > 0 ? (perSecond / single).ToString("0.00x", CultureInfo.InvariantCulture) : "-")} |"));
        }
    }
    if (notes.Count > 0)
    {
        Console.WriteLine();
        foreach (var line in notes) Console.WriteLine(line);
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
// for that request; ClosedLoopLoad warms them up until the JIT is quiet and measures `total` requests.
static async Task<LoadMeasurement> MeasureAsync(int concurrency, int warmup, int total, Func<int, Task<Func<int, Task<TimeSpan>>>> createWorker)
{
    var workers = new Func<int, Task<TimeSpan>>[concurrency];
    for (var w = 0; w < concurrency; w++) workers[w] = await createWorker(w);
    var result = await ClosedLoopLoad.MeasureAsync(workers, warmup, total);
    Console.Error.WriteLine($"  warm-up: {result.WarmUpRequests} requests in {result.WarmUp.TotalSeconds:0.0} s");
    return result;
}

static void Print(string path, bool batching, int concurrency, LoadMeasurement result, ModelStatistics before, ModelStatistics after)
{
    var runs = after.Runs - before.Runs;
    string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
    Console.Error.WriteLine($"{path}, batching {(batching ? "on" : "off")}, concurrency {concurrency}: " +
        $"{(after.Completed - before.Completed) / (double)Math.Max(1, runs):0.0} requests per run (warm-up included), " +
        $"{result.Jitted} methods JIT-compiled while measuring");
    Console.WriteLine($"| {path} | {(batching ? "on" : "off")} | {concurrency} | {F(result.P50)} | {F(result.P99)} | {result.RequestsPerSecond.ToString("0.0", CultureInfo.InvariantCulture)} | {F(result.BeyondRunP50)} | {F(result.CpuMsPerRequest)} |");
}

// The tokenizer the product used before (FastBertTokenizer) and the current one (Microsoft.ML.Tokenizers with BERT's
// reference normalization), on the same texts at all-MiniLM-L6-v2's limit, interleaved block by block.
static void PrintTokenization(int rounds)
{
    var current = TextEmbeddingPipelines.ForBuiltin();
    using var stream = BuiltinModels.OpenVocabulary(BuiltinModels.AllMiniLmL6V2VocabularyHash)!;
    using var reader = new StreamReader(stream);
    var previous = new Cerebrum.Tests.Inference.Embedding.PreviousTokenizer(reader.ReadToEnd());
    const string paragraph = "Decentralized inference networks route each job to a node that keeps the model warm in memory, " +
        "checks the request against the model's signature, runs it within a deadline and signs a receipt over the inputs and outputs. ";
    (string Name, string[] Texts)[] sets =
    [
        ("short English sentences", [
            "The quick brown fox jumps over the lazy dog.",
            "Decentralized networks route inference jobs to GPU suppliers.",
            "A node keeps its models warm in memory.",
            "Validators check that nodes answer correctly and fast.",
        ]),
        ("a long paragraph, cut at 256 tokens", [string.Concat(Enumerable.Repeat(paragraph, 12))]),
        ("accents, CJK, Hangul, emoji", [
            "Café naïve Zürich résumé, façade and jalapeño.",
            "北京大学的学生在东京学习日本語。",
            "한국어 문장과 English words together.",
            "Emoji 😀👍🏽 and symbols ♠ ★ € in one line!",
        ]),
    ];
    Console.WriteLine($"Tokenization, {BuiltinModels.AllMiniLmL6V2}'s vocabulary and its {BuiltinModels.AllMiniLmL6V2MaxTokens}-token limit: the previous tokenizer " +
        $"(FastBertTokenizer) and the current one (Microsoft.ML.Tokenizers WordPiece with BERT's reference normalization), {rounds} alternating blocks of about 1 ms each, timed in {(TokenizationComparison.CountsCpuTime ? "the thread's CPU time" : "wall time")}.");
    Console.WriteLine();
    Console.WriteLine("| texts | previous µs/text (median) | current µs/text (median) | current / previous (median of paired blocks) |");
    Console.WriteLine("| --- | ---: | ---: | ---: |");
    foreach (var (name, texts) in sets)
    {
        var (a, b, ratio) = TokenizationComparison.Measure(previous, current.Tokenizer, texts, BuiltinModels.AllMiniLmL6V2MaxTokens, rounds);
        Console.WriteLine(FormattableString.Invariant($"| {name} | {a:0.00} | {b:0.00} | {ratio:0.00}x |"));
    }
}
