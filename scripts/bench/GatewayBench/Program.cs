using System.Diagnostics;
using System.Globalization;
using System.Text;
using Cerebrum.Bench;
using Cerebrum.Bench.Gateway;
using static Cerebrum.Bench.Gateway.BenchDaemons;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Embedding;
using Cerebrum.Core.Inference.Scheduling;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Operator;
using Cerebrum.Core.Operator.Configuration;
using Cerebrum.Daemon;
using Cerebrum.Daemon.CommandLine;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Gateway;
using Cerebrum.Daemon.Telemetry;
using OpenTelemetry.Trace;
using Cerebrum.Tests.Inference;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

// HTTP -> gateway -> node -> ONNX Runtime against a single-process ASP.NET Core + ONNX Runtime server (the baseline),
// measured in one run: MiniLM embeddings (/v1/embeddings) and a tiny add model (/v2/models/add/infer), at several
// concurrencies. The gateway and the node are real cerebrumd daemons (in this process, talking libp2p over loopback).
// Each cell's two paths are measured in alternating blocks (--rounds of them, A B, B A, ...) so that both see the same
// minutes of a drifting VM; at concurrency 1 both are also measured interleaved request by request (--pairs; 0 skips);
// the CPU of one signed receipt is measured at the end (the routed path's floor beyond the baseline).
// Then tracing's cost: the tiny model through the same gateway and node with tracing off and on at 100 % sampling
// (exported over OTLP/HTTP to a stand-in collector), switched in the one process between alternating blocks
// (--tracing-rounds), and the cost of the span sites while off, measured alone.
// With --payments-only it measures instead the gateway with payments against the same gateway with pricing off, with a
// ledger, and the ceiling, MiniLM only (PaymentsComparison; scripts/bench/market runs it).
// Usage: gateway-bench [--requests N] [--tiny-requests N] [--concurrency 1,32] [--rounds R] [--pairs N] [--tracing-rounds R] [--tracing-only]
//        gateway-bench --payments-only [--price MICRO_CER] [--requests N] [--pairs N] [--rounds R]
var requests = 400;
var tinyRequests = 4000;
var rounds = 4;
var pairs = 400;
var tracingRounds = 8;
var tracingOnly = false;
var paymentsOnly = false;
var price = 1UL;
int[] concurrencies = [1, 32];
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--requests": requests = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--tiny-requests": tinyRequests = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--pairs": pairs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--tracing-rounds": tracingRounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--tracing-only": tracingOnly = true; break;
        case "--payments-only": paymentsOnly = true; break;
        case "--price": price = ulong.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--concurrency": concurrencies = [.. args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))]; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

if (paymentsOnly) return await PaymentsComparison.RunAsync(requests, pairs, rounds, price);

var root = Directory.CreateTempSubdirectory("cerebrum-gateway-bench-").FullName;
try
{
    var addModel = OnnxTestModels.Write(root, "add.onnx", OnnxTestModels.AddFloat());
    var serving = new ModelServingOptions(1, 1024, 1, TimeSpan.Zero);
    const string Quiet = """{ "Logging": { "LogLevel": { "Default": "Warning" } }, "Node": { "Serving": { "MaxConcurrency": 1, "MaxQueueLength": 1024 } }, "Gateway": { "Routing": { "MaxOutstandingPerNode": 1024 } } }""";

    // The node: a store with both models, served by a cerebrumd in node mode.
    var nodeDir = Prepare(Path.Combine(root, "node"), addModel, Quiet);
    await using var node = await StartDaemonAsync(nodeDir, new CommandLineOverrides { ListenAddresses = ["/ip4/127.0.0.1/tcp/0"], Modes = ["node"] });
    var gatewayDir = Path.Combine(root, "gateway");
    Directory.CreateDirectory(gatewayDir);
    File.WriteAllText(Path.Combine(gatewayDir, "config.json"), Quiet);
    await using var gateway = await StartDaemonAsync(gatewayDir, new CommandLineOverrides
    {
        ListenAddresses = ["/ip4/127.0.0.1/tcp/0"],
        BootstrapPeers = [node.Network.AnnouncedListenAddresses[0]],
        Modes = ["gateway"],
        GatewayHttp = "127.0.0.1:0",
        GatewayOpen = true,
    });
    var gatewayService = gateway.Services.GetRequiredService<GatewayService>();
    var ready = Stopwatch.StartNew();
    while (gatewayService.Table.Routes("add").Count == 0 || gatewayService.Table.Routes(BuiltinModels.AllMiniLmL6V2).Count == 0)
    {
        if (ready.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException("the gateway did not hear the node's heartbeat within 60 s");
        await Task.Delay(50);
    }

    // The baseline: its own store and engine with the same models and serving settings.
    var baselineDir = Prepare(Path.Combine(root, "baseline"), addModel, "{}");
    using var baselineStore = new ModelStore(baselineDir);
    await using var engine = InferenceEngine.Start(new InferenceEngineOptions
    {
        Models = [.. baselineStore.List().Select(m => m.Hash)],
        DefaultServing = serving,
    }, baselineStore, NullLogger.Instance);
    await using var baseline = BaselineServer.Create(engine, TextEmbeddingPipelines.ForBuiltin());
    await baseline.StartAsync();
    var baselineUrl = new Uri(baseline.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");

    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });
    var sentences = new[]
    {
        "The quick brown fox jumps over the lazy dog.",
        "Decentralized networks route inference jobs to GPU suppliers.",
        "A node keeps its models warm in memory.",
        "Validators check that nodes answer correctly and fast.",
    };
    var workloads = new (string Name, string Path, int Requests, Func<int, string> Body)[]
    {
        ("MiniLM embeddings", "v1/embeddings", requests, i => $$"""{"model":"{{BuiltinModels.AllMiniLmL6V2}}","input":"{{sentences[i % sentences.Length]}}"}"""),
        ("tiny add model", "v2/models/add/infer", tinyRequests, i => $$"""{"inputs":[{"name":"a","shape":[1,3],"datatype":"FP32","data":[{{i}},1,2]},{"name":"b","shape":[1,3],"datatype":"FP32","data":[1,1,1]}]}"""),
    };

    Console.WriteLine($"HTTP/1.1 on loopback, one request per call, requests per cell after a warm-up until the JIT is quiet: MiniLM {requests}, tiny {tinyRequests}, " +
        $"in {rounds} blocks alternating with the other path's; " +
        $"node and baseline: MaxConcurrency 1, no batching; {Environment.ProcessorCount} cores. The gateway, the node, the baseline and the client share this process.");
    Console.WriteLine();
    Console.WriteLine("| workload | path | concurrency | p50 ms | p99 ms | requests/s | p50 beyond the model's run ms | process CPU ms per request |");
    Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    var summary = new StringBuilder();
    var tinyBaselineCpuMs = double.NaN;
    foreach (var workload in tracingOnly ? [] : workloads)
    {
        foreach (var concurrency in concurrencies)
        {
            var (direct, routed) = await MeasureAsync(http, new Uri(baselineUrl, workload.Path), new Uri(gatewayService.HttpUrl!, workload.Path), workload.Body, concurrency, workload.Requests, rounds);
            if (workload.Path.StartsWith("v2/", StringComparison.Ordinal)) tinyBaselineCpuMs = direct.CpuMsPerRequest;
            Print(workload.Name, "baseline: ASP.NET Core + ONNX Runtime", concurrency, direct);
            Print(workload.Name, "gateway -> node -> ONNX Runtime", concurrency, routed);
            var throughputRatio = routed.RequestsPerSecond / direct.RequestsPerSecond;
            var addedP50 = routed.P50 - direct.P50;
            var addedBeyondRun = routed.BeyondRunP50 - direct.BeyondRunP50;
            summary.AppendLine(CultureInfo.InvariantCulture, $"- {workload.Name}, concurrency {concurrency}: gateway throughput {throughputRatio:P0} of the baseline; p50 added {addedP50:0.00} ms; p50 beyond the model's run added {addedBeyondRun:0.00} ms");
            // Both paths are warm now (the two cells above).
            if (concurrency == 1 && pairs > 0)
            {
                var paired = await InterleavedComparison.MeasureAsync(
                    Sender(http, new Uri(baselineUrl, workload.Path), workload.Body), Sender(http, new Uri(gatewayService.HttpUrl!, workload.Path), workload.Body), pairs);
                summary.AppendLine(CultureInfo.InvariantCulture,
                    $"- {workload.Name}, concurrency 1, interleaved request by request ({pairs} pairs): baseline p50 {paired.P50A:0.00} ms, gateway {paired.P50B:0.00} ms; " +
                    $"p50 added {paired.P50B - paired.P50A:0.00} ms, median of the pairs' differences {paired.MedianDifference:0.00} ms; beyond the model's run {paired.BeyondRunP50A:0.00} against {paired.BeyondRunP50B:0.00} ms");
            }
        }
    }
    if (!tracingOnly)
    {
        var (signMicros, verifyMicros) = ReceiptCost.Measure(2000);
        summary.AppendLine(CultureInfo.InvariantCulture,
            $"- One signed receipt for a tiny-model job, in this run: {signMicros:0} us at the node (hashes and signature) and {verifyMicros:0} us at the gateway (hashes and check), " +
            $"{signMicros + verifyMicros:0} us in all, against {tinyBaselineCpuMs * 1000:0} us of process CPU per request for the baseline's whole tiny-model request at the last concurrency measured");
    }

    // Tracing: the same gateway and node, off (no listener: Core's span sites return at once) against on at 100 %.
    await using var sink = await OtlpSink.StartAsync();
    var tiny = workloads[1];
    var tinyUrl = new Uri(gatewayService.HttpUrl!, tiny.Path);
    var gatewayPeer = gateway.Services.GetRequiredService<PrivateKey>().PeerId;
    var traced = new TelemetryOptions { Enabled = true, Endpoint = sink.Endpoint, Protocol = TelemetryOptions.HttpProtobuf, SamplingRatio = 1 };
    foreach (var concurrency in concurrencies)
    {
        TracerProvider? provider = null;
        var tracedRequests = 0L; // warm-up included, as the bytes exported are
        var bytesBefore = sink.Bytes;
        var send = Sender(http, tinyUrl, tiny.Body);
        Func<int, Task<TimeSpan>> sendTraced = i =>
        {
            Interlocked.Increment(ref tracedRequests);
            return send(i);
        };
        var (off, on) = await ClosedLoopLoad.MeasureAlternatingAsync(
            [.. Enumerable.Repeat(send, concurrency)], [.. Enumerable.Repeat(sendTraced, concurrency)], 0, tinyRequests, tracingRounds, tracingOff =>
            {
                if (tracingOff)
                {
                    provider?.Dispose(); // flushes the last spans, outside the timing
                    provider = null;
                }
                else
                {
                    provider ??= DaemonTracing.Configure(OpenTelemetry.Sdk.CreateTracerProviderBuilder(), traced, gatewayPeer).Build();
                }
                return Task.CompletedTask;
            });
        provider?.Dispose();
        Print(tiny.Name, "tracing off", concurrency, off);
        Print(tiny.Name, "tracing on, 100 % sampled, OTLP/HTTP", concurrency, on);
        summary.AppendLine(CultureInfo.InvariantCulture,
            $"- Tracing at 100 %, tiny add model, concurrency {concurrency} ({tracingRounds} alternating blocks): throughput {on.RequestsPerSecond / off.RequestsPerSecond:P0} of tracing off; " +
            $"p50 added {on.P50 - off.P50:0.00} ms, p99 added {on.P99 - off.P99:0.00} ms; process CPU per request {off.CpuMsPerRequest:0.000} ms off, {on.CpuMsPerRequest:0.000} ms on " +
            $"({(on.CpuMsPerRequest / off.CpuMsPerRequest) - 1:P0} more); {(double)(sink.Bytes - bytesBefore) / Interlocked.Read(ref tracedRequests):0} bytes of OTLP per traced request (gateway and node spans)");
    }
    var offSiteNanos = TracingOffCost.NanosecondsPerRequest(2_000_000);
    summary.AppendLine(CultureInfo.InvariantCulture,
        $"- Tracing off, alone: the span sites of one request (gateway and node, {TracingOffCost.SitesPerRequest} checks of a source without listener, and the trace context left out) cost {offSiteNanos:0} ns in all");
    Console.WriteLine();
    Console.Write(summary);
    return 0;
}
finally
{
    Directory.Delete(root, recursive: true);
}

static string Prepare(string directory, string addModel, string config)
{
    Directory.CreateDirectory(directory);
    File.WriteAllText(Path.Combine(directory, "config.json"), config);
    using var store = new ModelStore(directory);
    store.Add(addModel, "add");
    store.AddBuiltin(BuiltinModels.AllMiniLmL6V2);
    return directory;
}

// `concurrency` HTTP clients in a closed loop against each URL (ClosedLoopLoad: both warmed up until the JIT is quiet,
// then `total` requests each in alternating blocks); the model's run time of each request comes from the Server-Timing header.
static async Task<(LoadMeasurement Baseline, LoadMeasurement Routed)> MeasureAsync(HttpClient http, Uri baseline, Uri routed, Func<int, string> body, int concurrency, int total, int rounds)
{
    var (a, b) = await ClosedLoopLoad.MeasureAlternatingAsync(
        [.. Enumerable.Repeat(Sender(http, baseline, body), concurrency)], [.. Enumerable.Repeat(Sender(http, routed, body), concurrency)], 0, total, rounds);
    Console.Error.WriteLine($"  {baseline.AbsolutePath}, concurrency {concurrency}: warm-up {a.WarmUpRequests} + {b.WarmUpRequests} requests in " +
        $"{a.WarmUp.TotalSeconds:0.0} + {b.WarmUp.TotalSeconds:0.0} s, {a.Jitted} methods JIT-compiled while measuring");
    return (a, b);
}

static void Print(string workload, string path, int concurrency, LoadMeasurement result)
{
    string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
    Console.WriteLine($"| {workload} | {path} | {concurrency} | {F(result.P50)} | {F(result.P99)} | {result.RequestsPerSecond.ToString("0.0", CultureInfo.InvariantCulture)} | {F(result.BeyondRunP50)} | {F(result.CpuMsPerRequest)} |");
}

