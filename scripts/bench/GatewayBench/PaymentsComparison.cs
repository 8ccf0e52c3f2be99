using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Embedding;
using Cerebrum.Core.Inference.Scheduling;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Operator;
using Cerebrum.Daemon;
using Cerebrum.Daemon.Chain;
using Cerebrum.Daemon.CommandLine;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Gateway;
using Cerebrum.Daemon.Market;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using static Cerebrum.Bench.Gateway.BenchDaemons;

namespace Cerebrum.Bench.Gateway;

/// <summary>
/// Issue 14's first market benchmark: the gateway with payments against the same gateway with pricing off, MiniLM
/// embeddings over HTTP, in one run on one machine. A one-validator ledger; a MiniLM node priced at the given micro-CER a
/// request and its gateway (funded in the genesis), which opens a channel and pays every request with a voucher; the
/// same pair with the node's price 0 (pricing off: no voucher, no channel); and the ceiling, one ASP.NET Core + ONNX
/// Runtime server without gateway, node or ledger. All daemons are real cerebrumd daemons in this process, talking libp2p
/// over loopback, each gateway routing only to its own node (Gateway:Nodes). At concurrency 32 and 1 the three paths run
/// in rotating blocks (ceiling, off, paid; then paid, off, ceiling; ...); at concurrency 1 pricing off and payments are
/// also interleaved request by request. At the end the paid gateway's channel must hold exactly price x the requests it
/// answered, the node's vouchers the same, and the gateway's ledger transactions (its account's nonce) are counted.
/// </summary>
internal static class PaymentsComparison
{
    private const string Minilm = BuiltinModels.AllMiniLmL6V2;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);

    private static readonly string[] Sentences =
    [
        "The quick brown fox jumps over the lazy dog.",
        "Decentralized networks route inference jobs to GPU suppliers.",
        "A node keeps its models warm in memory.",
        "Validators check that nodes answer correctly and fast.",
    ];

    /// <returns>0, or 1 when the payments are not exact.</returns>
    public static async Task<int> RunAsync(int requests, int pairs, int rounds, ulong price)
    {
        if (price == 0) throw new ArgumentOutOfRangeException(nameof(price), "the paid path needs a price above 0");
        var root = Directory.CreateTempSubdirectory("cerebrum-payments-bench-").FullName;
        try
        {
            return await MeasureAsync(root, requests, pairs, rounds, price);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<int> MeasureAsync(string root, int requests, int pairs, int rounds, ulong price)
    {
        // The paid gateway's account is funded in the genesis; the validator commits a block a second.
        var paidGatewayDir = Path.Combine(root, "gateway-paid");
        InitCommand.Run(new DataDirectory(paidGatewayDir), TextWriter.Null);
        var devnet = Path.Combine(root, "devnet");
        DevnetInitializer.Run(devnet, 1, 0, [paidGatewayDir], TextWriter.Null);
        var genesis = Path.Combine(devnet, "genesis.json");
        var validatorDir = Path.Combine(devnet, "v0");
        var validatorConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(validatorDir, "config.json")))!.AsObject();
        validatorConfig["Chain"]!["Consensus"] = new JsonObject { ["CommitDelay"] = "00:00:01" };
        validatorConfig["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Warning" } };
        File.WriteAllText(Path.Combine(validatorDir, "config.json"), validatorConfig.ToJsonString());
        await using var validator = await StartDaemonAsync(validatorDir, new CommandLineOverrides { ListenAddresses = ["/ip4/127.0.0.1/tcp/0"], Modes = ["validator"] });
        var validatorAddress = validator.Network.AnnouncedListenAddresses[0];

        await using var paidNode = await StartNodeAsync(Path.Combine(root, "node-paid"), price, genesis, validatorAddress);
        await using var freeNode = await StartNodeAsync(Path.Combine(root, "node-free"), 0, genesis, validatorAddress);
        await using var paidGateway = await StartGatewayAsync(paidGatewayDir, paidNode, genesis, validatorAddress);
        await using var freeGateway = await StartGatewayAsync(Path.Combine(root, "gateway-free"), freeNode, genesis, validatorAddress);
        var paid = paidGateway.Services.GetRequiredService<GatewayService>();
        var free = freeGateway.Services.GetRequiredService<GatewayService>();
        await WaitForRouteAsync(paid, paidNode.Network.PeerId, price);
        await WaitForRouteAsync(free, freeNode.Network.PeerId, 0);
        if (paid.Payments is null || free.Payments is null) throw new InvalidOperationException("both gateways keep the ledger and its market");

        // The ceiling: its own store and engine with the same model and serving settings, no gateway, node or ledger.
        var ceilingDir = Path.Combine(root, "ceiling");
        Directory.CreateDirectory(ceilingDir);
        using var ceilingStore = new ModelStore(ceilingDir);
        ceilingStore.AddBuiltin(Minilm);
        await using var engine = InferenceEngine.Start(new InferenceEngineOptions
        {
            Models = [.. ceilingStore.List().Select(m => m.Hash)],
            DefaultServing = new ModelServingOptions(1, 1024, 1, TimeSpan.Zero),
        }, ceilingStore, NullLogger.Instance);
        await using var ceiling = BaselineServer.Create(engine, TextEmbeddingPipelines.ForBuiltin());
        await ceiling.StartAsync();
        var ceilingUrl = new Uri(ceiling.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });
        // Both gateways need an API key: usage is booked per key, spend included on the paid one.
        using var paidHttp = ClientWithKey(paid);
        using var freeHttp = ClientWithKey(free);
        static string Body(int i) => $$"""{"model":"{{Minilm}}","input":"{{Sentences[i % Sentences.Length]}}"}""";
        var toCeiling = Sender(http, new Uri(ceilingUrl, "v1/embeddings"), Body);
        var toFree = Sender(freeHttp, new Uri(free.HttpUrl!, "v1/embeddings"), Body);
        var answeredPaid = 0L;
        var toPaidOnce = Sender(paidHttp, new Uri(paid.HttpUrl!, "v1/embeddings"), Body);
        Func<int, Task<TimeSpan>> toPaid = async i =>
        {
            var run = await toPaidOnce(i);
            Interlocked.Increment(ref answeredPaid);
            return run;
        };
        var paidAccount = paidGateway.Services.GetRequiredService<PrivateKey>().PeerId;
        var paidChain = paidGateway.Services.GetRequiredService<ChainService>().Chain;
        var nonceBefore = paidChain.GetAccount(paidAccount).Nonce;

        Console.WriteLine($"MiniLM embeddings (/v1/embeddings), HTTP/1.1 on loopback; in rotating blocks ({rounds} rounds), after a warm-up until the JIT is quiet: " +
            $"{requests} requests per path at concurrency 32, {pairs} at concurrency 1, then {pairs} pairs interleaved request by request. " +
            $"Nodes and ceiling: MaxConcurrency 1, no batching; paid node {price} micro-CER a request; {Environment.ProcessorCount} cores; " +
            "the validator, both nodes, both gateways, the ceiling and the client share this process.");
        Console.WriteLine();
        Console.WriteLine("| path | concurrency | p50 ms | p99 ms | requests/s | p50 beyond the model's run ms | process CPU ms per request |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        var names = new[] { "ceiling: ASP.NET Core + ONNX Runtime", "gateway -> node, pricing off (price 0)", $"gateway -> node, payments ({price} micro-CER, voucher per request)" };
        var results = new Dictionary<int, LoadMeasurement[]>();
        foreach (var (concurrency, total) in new[] { (32, requests), (1, pairs) })
        {
            var measured = await ClosedLoopLoad.MeasureRotatingAsync(
                [[.. Enumerable.Repeat(toCeiling, concurrency)], [.. Enumerable.Repeat(toFree, concurrency)], [.. Enumerable.Repeat(toPaid, concurrency)]], 0, total, rounds);
            Console.Error.WriteLine($"  concurrency {concurrency}: warm-up {string.Join(" + ", measured.Select(m => m.WarmUpRequests))} requests in " +
                $"{string.Join(" + ", measured.Select(m => m.WarmUp.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)))} s, {measured[0].Jitted} methods JIT-compiled while measuring");
            for (var p = 0; p < names.Length; p++) Print(names[p], concurrency, measured[p]);
            results[concurrency] = measured;
        }
        var paired = await InterleavedComparison.MeasureAsync(toFree, toPaid, pairs);

        // Exact to the micro-CER: what the paid gateway promised, and what its node holds vouchers for, is price x answered.
        var answered = (ulong)Interlocked.Read(ref answeredPaid);
        var expected = checked(answered * price);
        var payerChannels = paidGateway.Services.GetRequiredService<MarketService>().Market.Payer.Snapshot();
        var payeeChannels = paidNode.Services.GetRequiredService<MarketService>().Market.Payee.Snapshot();
        var usage = paid.Keys.Usage.Snapshot()["bench"];
        var freeChannels = freeGateway.Services.GetRequiredService<MarketService>().Market.Payer.Snapshot().Count;
        var ledgerTxs = paidChain.GetAccount(paidAccount).Nonce - nonceBefore;
        var exact = payerChannels.Count == 1 && payerChannels[0].Spent == expected && payeeChannels.Count == 1 && payeeChannels[0].Consumed == expected
            && usage.Spent == expected && freeChannels == 0;

        var (ceiling32, free32, paid32) = (results[32][0], results[32][1], results[32][2]);
        var (free1, paid1) = (results[1][1], results[1][2]);
        var throughputRatio = paid32.RequestsPerSecond / free32.RequestsPerSecond;
        var addedP50 = paired.P50B - paired.P50A;
        var (low, high) = MedianInterval(paired.Differences);
        string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
        string Verdict(bool pass) => pass ? "PASS" : "FAIL";
        Console.WriteLine();
        Console.WriteLine($"- Concurrency 32: payments keep {throughputRatio:P1} of the throughput with pricing off ({paid32.RequestsPerSecond:0.0} against {free32.RequestsPerSecond:0.0} requests/s; goal at least 95 %: {Verdict(throughputRatio >= 0.95)}); " +
            $"pricing off is {free32.RequestsPerSecond / ceiling32.RequestsPerSecond:P0} and payments {paid32.RequestsPerSecond / ceiling32.RequestsPerSecond:P0} of the ceiling's {ceiling32.RequestsPerSecond:0.0} requests/s; " +
            $"p50 {F(free32.P50)} against {F(paid32.P50)} ms");
        Console.WriteLine($"- Concurrency 1, interleaved request by request ({pairs} pairs): p50 {F(paired.P50A)} ms pricing off, {F(paired.P50B)} ms with payments: payments add {F(addedP50)} ms to p50 " +
            $"(goal under 0.20 ms: {Verdict(addedP50 < 0.2)}); median of the pairs' differences {F(paired.MedianDifference)} ms, 95 % interval [{F(low)}, {F(high)}] ms; " +
            $"beyond the model's run {F(paired.BeyondRunP50A)} against {F(paired.BeyondRunP50B)} ms; in blocks: p50 {F(free1.P50)} against {F(paid1.P50)} ms");
        Console.WriteLine($"- Exact payment: {answered} paid requests at {price} micro-CER: the gateway's channel {(payerChannels.Count == 1 ? payerChannels[0].Spent.ToString(CultureInfo.InvariantCulture) : $"({payerChannels.Count} channels)")}, " +
            $"the node's vouchers {(payeeChannels.Count == 1 ? payeeChannels[0].Consumed.ToString(CultureInfo.InvariantCulture) : $"({payeeChannels.Count} channels)")}, the API key's spend {usage.Spent}, " +
            $"expected {expected} micro-CER; pricing off opened {freeChannels} channels: {Verdict(exact)}; the paid gateway sent {ledgerTxs} ledger transaction(s) for them (open and top-ups)");
        return exact ? 0 : 1;
    }

    /// <summary>
    /// A distribution-free 95 % confidence interval of the median of <paramref name="sorted"/>: the order statistics
    /// n/2 -+ 1.96 sqrt(n)/2 (the binomial count of values below the median, in its normal approximation).
    /// </summary>
    private static (double Low, double High) MedianInterval(double[] sorted)
    {
        var n = sorted.Length;
        var half = 1.96 * Math.Sqrt(n) / 2;
        var low = Math.Max(0, (int)Math.Floor((n / 2.0) - half));
        var high = Math.Min(n - 1, (int)Math.Ceiling((n / 2.0) + half));
        return (sorted[low], sorted[high]);
    }

    private static HttpClient ClientWithKey(GatewayService gateway)
    {
        var (key, _) = gateway.Keys.Create("bench", 0, DateTimeOffset.UtcNow);
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static async Task<DaemonApplication> StartNodeAsync(string directory, ulong price, string genesis, string validator)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), $$"""
            { "Logging": { "LogLevel": { "Default": "Warning" } },
              "Node": { "HeartbeatInterval": "00:00:00.500", "PricePerRequest": {{price}}, "Serving": { "MaxConcurrency": 1, "MaxQueueLength": 1024 } } }
            """);
        using (var store = new ModelStore(directory)) store.AddBuiltin(Minilm);
        return await StartDaemonAsync(directory, new CommandLineOverrides
        {
            ListenAddresses = ["/ip4/127.0.0.1/tcp/0"],
            BootstrapPeers = [validator],
            Modes = ["node"],
            Genesis = genesis,
        });
    }

    /// <summary>A gateway keeping the ledger, routing only to <paramref name="node"/> (the node is not registered: this is about payment).</summary>
    private static async Task<DaemonApplication> StartGatewayAsync(string directory, DaemonApplication node, string genesis, string validator)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), $$"""
            { "Logging": { "LogLevel": { "Default": "Warning" } },
              "Gateway": { "Nodes": [ {{JsonSerializer.Serialize(node.Network.PeerId.ToString())}} ], "MaxConcurrentRequestsPerKey": 1024,
                           "Routing": { "Admission": "Any", "MaxOutstandingPerNode": 1024 } } }
            """);
        return await StartDaemonAsync(directory, new CommandLineOverrides
        {
            ListenAddresses = ["/ip4/127.0.0.1/tcp/0"],
            BootstrapPeers = [validator, node.Network.AnnouncedListenAddresses[0]],
            Modes = ["gateway"],
            GatewayHttp = "127.0.0.1:0",
            Genesis = genesis,
        });
    }

    private static async Task WaitForRouteAsync(GatewayService gateway, PeerId node, ulong price)
    {
        var started = DateTime.UtcNow;
        while (!gateway.Table.Routes(Minilm).Any(r => r.Node == node && r.PricePerRequest == price))
        {
            if (DateTime.UtcNow - started > ReadyTimeout) throw new TimeoutException($"the gateway did not hear {node}'s heartbeat (price {price}) within {ReadyTimeout.TotalSeconds} s");
            await Task.Delay(50);
        }
    }

    private static void Print(string path, int concurrency, LoadMeasurement result)
    {
        string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
        Console.WriteLine($"| {path} | {concurrency} | {F(result.P50)} | {F(result.P99)} | {result.RequestsPerSecond.ToString("0.0", CultureInfo.InvariantCulture)} | {F(result.BeyondRunP50)} | {F(result.CpuMsPerRequest)} |");
    }
}
