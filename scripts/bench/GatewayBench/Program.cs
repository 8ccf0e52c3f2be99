using System.Diagnostics;
using System.Globalization;
using System.Text;
using Cerebrum.Bench.Gateway;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference;
using Cerebrum.Daemon;
using Cerebrum.Daemon.CommandLine;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Gateway;
using Cerebrum.Tests.Inference;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

// HTTP -> gateway -> node -> ONNX Runtime against a single-process ASP.NET Core + ONNX Runtime server (the baseline),
// measured in one run: MiniLM embeddings (/v1/embeddings) and a tiny add model (/v2/models/add/infer), at several
// concurrencies. The gateway and the node are real cerebrumd daemons (in this process, talking libp2p over loopback).
// Usage: gateway-bench [--requests N] [--tiny-requests N] [--concurrency 1,32]
var requests = 200;
var tinyRequests = 2000;
int[] concurrencies = [1, 32];
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--requests": requests = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--tiny-requests": tinyRequests = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--concurrency": concurrencies = [.. args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))]; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

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
    await using var baseline = BaselineServer.Create(engine, BuiltinTextEncoder.Open());
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

    Console.WriteLine($"HTTP/1.1 on loopback, one request per call, requests per cell after a warm-up until the JIT is quiet: MiniLM {requests}, tiny {tinyRequests}; " +
        $"node and baseline: MaxConcurrency 1, no batching; {Environment.ProcessorCount} cores. The gateway, the node, the baseline and the client share this process.");
    Console.WriteLine();
    Console.WriteLine("| workload | path | concurrency | p50 ms | p99 ms | requests/s | p50 beyond the model's run ms | process CPU ms per request |");
    Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    var summary = new StringBuilder();
    foreach (var workload in workloads)
    {
        foreach (var concurrency in concurrencies)
        {
            var direct = await MeasureAsync(http, new Uri(baselineUrl, workload.Path), workload.Body, concurrency, workload.Requests);
            Print(workload.Name, "baseline: ASP.NET Core + ONNX Runtime", concurrency, direct);
            var routed = await MeasureAsync(http, new Uri(gatewayService.HttpUrl!, workload.Path), workload.Body, concurrency, workload.Requests);
            Print(workload.Name, "gateway -> node -> ONNX Runtime", concurrency, routed);
            var throughputRatio = (routed.Latencies.Length / routed.Wall.TotalSeconds) / (direct.Latencies.Length / direct.Wall.TotalSeconds);
            var addedP50 = Median(routed.Latencies) - Median(direct.Latencies);
            var addedBeyondRun = Median(routed.BeyondRun) - Median(direct.BeyondRun);
            summary.AppendLine(CultureInfo.InvariantCulture, $"- {workload.Name}, concurrency {concurrency}: gateway throughput {throughputRatio:P0} of the baseline; p50 added {addedP50:0.00} ms; p50 beyond the model's run added {addedBeyondRun:0.00} ms");
        }
    }
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

static async Task<DaemonApplication> StartDaemonAsync(string directory, CommandLineOverrides overrides)
{
    var data = new DataDirectory(directory);
    InitCommand.Run(data, TextWriter.Null);
    var configuration = DaemonConfiguration.Build(data);
    var options = DaemonConfiguration.Load(configuration, overrides);
    var identity = KeyFile.Load(data.KeyPath);
    var daemon = DaemonApplication.Create(data, identity, options, configuration, TextWriter.Null);
    await daemon.StartAsync(CancellationToken.None);
    return daemon;
}

// `concurrency` workers warm up, in rounds of at least 0.5 s until a round leaves the JIT (nearly) idle (at most 30 s: with the old five
// requests per worker, the routed MiniLM cell, measured first, ran mostly on code the JIT had not optimized yet, and
// came out about 2 ms slower than a warm run), then run until `total` requests are done. Sorted latencies in ms, the
// wall time, process CPU and the methods compiled while measuring.
static async Task<Measurement> MeasureAsync(HttpClient http, Uri url, Func<int, string> body, int concurrency, int total)
{
    // The model's run time for this request, from the Server-Timing header.
    async Task<TimeSpan> SendAsync(int i)
    {
        using var content = new StringContent(body(i), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(url, content);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{url}: {(int)response.StatusCode} {text}");
        var timing = string.Join(",", response.Headers.GetValues(ServerTimingHeader.Name));
        var compute = timing.Split(',').Select(m => m.Trim()).Single(m => m.StartsWith("compute;dur=", StringComparison.Ordinal));
        return TimeSpan.FromMilliseconds(double.Parse(compute["compute;dur=".Length..], CultureInfo.InvariantCulture));
    }
    // At least `count` requests, and for warm-up rounds at least `minimum` long (longer than the JIT's tiering delay).
    async Task<int> RunAsync(int count, double[]? record, double[]? recordBeyondRun, TimeSpan minimum = default)
    {
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count || (record is null && clock.Elapsed < minimum))
            {
                var started = Stopwatch.GetTimestamp();
                var run = await SendAsync(i);
                var elapsed = Stopwatch.GetElapsedTime(started);
                record?[i] = elapsed.TotalMilliseconds;
                recordBeyondRun?[i] = (elapsed - run).TotalMilliseconds;
            }
        })));
        return next - concurrency + 1;
    }
    var warmUp = Stopwatch.StartNew();
    var warmUpRequests = 0;
    while (warmUp.Elapsed < TimeSpan.FromSeconds(30))
    {
        var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        warmUpRequests += await RunAsync(4 * concurrency, null, null, TimeSpan.FromMilliseconds(500));
        if (System.Runtime.JitInfo.GetCompiledMethodCount() - compiled <= 2) break;
    }
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
    Console.Error.WriteLine($"  {url.AbsolutePath}, concurrency {concurrency}: warm-up {warmUpRequests} requests in {warmUp.Elapsed.TotalSeconds:0.0} s, " +
        $"{jitted} methods JIT-compiled while measuring");
    return new Measurement(latencies, beyondRun, wall.Elapsed, cpu);
}

static double Median(double[] sorted) => sorted[sorted.Length / 2];

static void Print(string workload, string path, int concurrency, Measurement result)
{
    var l = result.Latencies;
    string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
    Console.WriteLine($"| {workload} | {path} | {concurrency} | {F(Median(l))} | {F(l[Math.Min(l.Length - 1, (int)(l.Length * 0.99))])} | {(l.Length / result.Wall.TotalSeconds).ToString("0.0", CultureInfo.InvariantCulture)} | {F(Median(result.BeyondRun))} | {F(result.Cpu.TotalMilliseconds / l.Length)} |");
}

internal sealed record Measurement(double[] Latencies, double[] BeyondRun, TimeSpan Wall, TimeSpan Cpu);
