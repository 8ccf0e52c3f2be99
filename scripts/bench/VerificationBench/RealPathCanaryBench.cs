using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cerebrum.Bench.Chain;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Verification;
using Google.Protobuf;

namespace Cerebrum.Bench.Verification;

/// <summary>
/// Canaries over the real path, cerebrumd processes: a one-validator devnet whose validator holds a model (a MatMul chain)
/// and sends canaries at <c>Verification:CanaryInterval</c>; node processes serve that model at a price and register with
/// it. Once every node is Active, the run lasts a fixed time; the ledger's canary passes and failures per node (the
/// validator's cumulative counts, recorded in its attestations) are read at the end. Every canary is a paid job from a
/// throwaway identity, judged against the validator's own run; honest nodes must never fail one.
/// </summary>
internal static class RealPathCanaryBench
{
    public sealed record Result(int Nodes, TimeSpan Interval, TimeSpan Duration, ulong Passed, ulong Failed, double Expected, double SecondsToActive);

    private const ulong Price = 5;

    public static async Task<Result> RunAsync(string cerebrumd, int nodes, TimeSpan interval, TimeSpan duration, CancellationToken ct)
    {
        var root = Directory.CreateTempSubdirectory("cerebrum-canary-bench-").FullName;
        var processes = new List<Process>();
        var keys = new List<PrivateKey>();
        try
        {
            var modelPath = Path.Combine(root, "canary.onnx");
            File.WriteAllBytes(modelPath, new ChallengeModel(new byte[32], new ChallengeShape(4, 64, 4, 2)).BuildOnnx());
            var modelHash = ModelHash.ComputeFile(modelPath);
            for (var n = 0; n < nodes; n++)
            {
                var data = Path.Combine(root, "node" + n.ToString(CultureInfo.InvariantCulture));
                await OnboardingBench.RunToEndAsync(cerebrumd, ["init", "--data-dir", data], ct);
                keys.Add(KeyFile.Load(Path.Combine(data, "identity.key")));
                AddModel(data, modelPath);
                Configure(data, config =>
                {
                    var node = config["Node"] as JsonObject ?? [];
                    config["Node"] = node;
                    node["PricePerRequest"] = Price;
                });
            }
            using var publisher = PrivateKey.Generate(KeyType.Secp256k1);
            var claim = ChallengeBenchmark.MeasureMflops(ChallengeDevice.Cpu, ChallengeBenchmark.ShapeFor(gpu: false), ct: ct) / 2;
            var options = new BenchOptions
            {
                Cerebrumd = cerebrumd,
                PrepareValidator = (_, directory) =>
                {
                    AddModel(directory, modelPath);
                    Configure(directory, config =>
                    {
                        var verification = config["Verification"] as JsonObject ?? [];
                        config["Verification"] = verification;
                        verification["CanaryInterval"] = interval.ToString("c", CultureInfo.InvariantCulture);
                        // Counted from the ledger at the end: recorded at once, not after the default random delay.
                        verification["CanaryRecordDelay"] = "00:00:00";
                    });
                },
            };
            await using var devnet = await Devnet.StartAsync(options, 1, [publisher, .. keys], ct);
            await devnet.WaitForHeightAsync(2, TimeSpan.FromSeconds(120), ct);
            var admin = devnet.Admins[0];
            await SubmitAsync(admin, publisher, new Transaction
            {
                RegisterModel = new RegisterModel { Hash = modelHash, Name = "canary-bench", Task = "tensor", InputSignature = "x:float[4,64]", OutputSignature = "y:float[4,64]" },
            }, ct);
            await devnet.WaitForHeightAsync(await Devnet.HeightAsync(admin, ct) + 2, TimeSpan.FromSeconds(60), ct);
            var validator0 = Path.Combine(devnet.Root, "v0");
            using var validatorKey = KeyFile.Load(Path.Combine(validator0, "identity.key"));
            var listen = JsonNode.Parse(File.ReadAllText(Path.Combine(validator0, "config.json")))!["Network"]!["ListenAddresses"]![0]!.GetValue<string>();
            for (var n = 0; n < nodes; n++)
            {
                var data = Path.Combine(root, "node" + n.ToString(CultureInfo.InvariantCulture));
                File.Copy(Path.Combine(devnet.Root, "genesis.json"), Path.Combine(data, "genesis.json"));
                processes.Add(OnboardingBench.Start(cerebrumd, ["run", "--data-dir", data, "--mode", "node", "--listen", "/ip4/127.0.0.1/tcp/0", "--admin-port", "0",
                    "--bootstrap", $"{listen}/p2p/{validatorKey.PeerId}"], data));
            }
            var registered = Stopwatch.StartNew();
            foreach (var key in keys)
                await SubmitAsync(admin, key, new Transaction
                {
                    RegisterNode = new RegisterNode { Stake = 1_000_000, Hardware = "bench cpu", Region = "eu-west", ClaimedMflops = claim, ModelHashes = { modelHash } },
                }, ct);
            while (true)
            {
                if (registered.Elapsed > TimeSpan.FromMinutes(5)) throw new TimeoutException("nodes did not become Active within 5 minutes (see the logs in " + root + ")");
                var states = await Task.WhenAll(keys.Select(k => NodeAsync(admin, k.PeerId, ct)));
                if (states.All(s => s?.GetProperty("state").GetString() == "active")) break;
                await Task.Delay(200, ct);
            }
            var toActive = registered.Elapsed.TotalSeconds;
            await Task.Delay(duration, ct);
            // The last canaries' attestations are recorded within a few seconds (not counted in the expectation).
            await Task.Delay(TimeSpan.FromSeconds(5), ct);
            ulong passed = 0, failed = 0;
            foreach (var key in keys)
            {
                var node = await NodeAsync(admin, key.PeerId, ct) ?? throw new InvalidOperationException($"node {key.PeerId} is gone");
                passed += node.GetProperty("canaryPassed").GetUInt64();
                failed += node.GetProperty("canaryFailed").GetUInt64();
            }
            // Canaries start at registration (Registered nodes get them too), so the expectation covers the whole time since.
            var sent = registered.Elapsed - TimeSpan.FromSeconds(5);
            return new Result(nodes, interval, duration, passed, failed, nodes * sent / interval, toActive);
        }
        finally
        {
            foreach (var process in processes)
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
                process.Dispose();
            }
            foreach (var key in keys) key.Dispose();
            Directory.Delete(root, recursive: true);
        }
    }

    private static void AddModel(string dataDirectory, string modelPath)
    {
        using var store = new ModelStore(dataDirectory);
        store.Add(modelPath, "canary-bench");
    }

    private static void Configure(string dataDirectory, Action<JsonObject> change)
    {
        var path = Path.Combine(dataDirectory, "config.json");
        var config = File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path))!.AsObject() : [];
        change(config);
        File.WriteAllText(path, config.ToJsonString());
    }

    private static async Task SubmitAsync(HttpClient admin, PrivateKey sender, Transaction body, CancellationToken ct)
    {
        body.ChainId = "cerebrum-devnet";
        body.SenderPublicKey = ByteString.CopyFrom(sender.PublicKey.ToProtobuf());
        body.Nonce = 0;
        body.Fee = 1;
        using var content = new ByteArrayContent(TransactionCodec.Sign(sender, body));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        using var response = await admin.PostAsync(new Uri("chain/txs", UriKind.Relative), content, ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{body.BodyCase} refused: {await response.Content.ReadAsStringAsync(ct)}");
    }

    private static async Task<JsonElement?> NodeAsync(HttpClient admin, PeerId node, CancellationToken ct)
    {
        using var response = await admin.GetAsync(new Uri($"chain/nodes/{node}", UriKind.Relative), ct);
        if (!response.IsSuccessStatusCode) return null;
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return document.RootElement.Clone();
    }
}
