using System.Diagnostics;
using System.Text.Json.Nodes;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.Verification;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Protocol.Proto;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Streams;
using Cerebrum.Daemon.CommandLine;
using Cerebrum.Daemon.Market;
using Cerebrum.Daemon.Node;
using Cerebrum.Daemon.Verification;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.Inference;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// Canaries over the real inference path, in process: the validator holds the "add" model and sends paid jobs from a
/// throwaway identity to a node serving it. A node wrong on a fraction of its jobs (test code: its infer handler's answers
/// altered and signed again) is caught by a canary; the validator files the node-signed receipt as a dispute, re-executes
/// it by itself, and the ledger slashes and jails the node. An honest node whose outputs carry GPU-like rounding noise
/// passes every canary. The supply is checked after every block.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class CanaryEndToEndTests
{
    private const ulong Price = 5;

    [Test]
    public async Task ANodeWrongOnAFractionOfJobs_IsCaughtByACanary_AndSlashedThroughAnAutomaticDispute()
    {
        using var timeout = new CancellationTokenSource(VerificationNetwork.Timeout * 3);
        await using var network = await StartAsync(timeout.Token);
        var (node, _) = await ActiveModelNodeAsync(network, timeout.Token);
        var stakeBefore = network.Chain.GetNode(node.PeerId)!.Stake;
        var answered = 0;
        // Wrong on every third job: a cheater that hopes to be right most of the time.
        Tamper(node, (outputs, random) => Interlocked.Increment(ref answered) % 3 == 0 ? Shift(outputs, 0.05f) : outputs);

        var verdicts = new List<CheckVerdict>();
        Attestation? failed = null;
        for (var i = 0; i < 12 && failed is null; i++)
        {
            var attestation = await network.Verifier.CheckAsync(node.PeerId, CheckKind.Canary, timeout.Token);
            Assert.That(attestation, Is.Not.Null, "the node serves a model the validator holds");
            verdicts.Add(attestation!.Verdict);
            if (attestation.Verdict == CheckVerdict.Fail) failed = attestation;
        }

        Assert.That(failed, Is.Not.Null, $"a node wrong on a third of its jobs was caught within 12 canaries ({string.Join(", ", verdicts)})");
        Assert.That(verdicts.Count, Is.LessThanOrEqualTo(3), "every third job is wrong, so the third canary at the latest fails");
        Assert.That(failed!.CanaryFailed, Is.EqualTo(1));
        Assert.That(failed.Detail, Does.Contain("rel L2"));
        var slashed = await Poll.UntilAsync(() => Task.FromResult(network.Chain.GetNode(node.PeerId)!), n => n.History.DisputesLost == 1, VerificationNetwork.Timeout,
            n => $"disputes lost {n.History.DisputesLost}, open disputes {network.Chain.ListDisputes().Count}; {string.Join("; ", network.Verifier.Recent.Select(a => $"{a.Kind} {a.Verdict} {a.Detail}"))}");
        var expected = stakeBefore * network.Chain.Params.Verification.SlashPermille / 1000;
        Assert.That(slashed.History.Slashed, Is.EqualTo(expected), "the slash is the chain's share of the stake");
        Assert.That(slashed.Stake, Is.EqualTo(stakeBefore - expected));
        Assert.That(slashed.Lifecycle, Is.EqualTo(NodeLifecycle.Jailed));
        Assert.That(network.Chain.ListDisputes(), Is.Empty, "the dispute was settled by the validator's own re-execution");
        Assert.That(network.Verifier.Recent.Any(a => a.Kind == CheckKind.Receipt && a.Verdict == CheckVerdict.Fail), Is.True);
    }

    [Test]
    public async Task WithTwoValidatorProcesses_BothReExecuteTheDispute_AndTheirQuorumSlashesWithoutAHuman()
    {
        using var timeout = new CancellationTokenSource(VerificationNetwork.Timeout * 3);
        await using var devnet = await ChainDevnet.CreateAsync(2);
        var models = devnet.NewDirectory("models");
        OnnxTestModels.Write(models, "add.onnx", OnnxTestModels.AddFloat());
        var modelPath = Path.Combine(models, "add.onnx");
        for (var k = 0; k < 2; k++)
        {
            await GatewayTestNetwork.RunCliOkAsync("model", "add", modelPath, "--name", "add", "--data-dir", devnet.DataDirectory(k));
            var configPath = Path.Combine(devnet.DataDirectory(k), "config.json");
            var config = JsonNode.Parse(await File.ReadAllTextAsync(configPath, timeout.Token))!.AsObject();
            // Canaries every second from both validators, recorded at once; no random hardware or latency checks after onboarding.
            config["Verification"] = JsonNode.Parse("""
                { "Tick": "00:00:00.200", "AttestInterval": "00:00:00.300", "HardwareInterval": "01:00:00", "LatencyInterval": "01:00:00",
                  "CanaryInterval": "00:00:01", "CanaryRecordDelay": "00:00:00", "CanaryFunding": 100000 }
                """);
            await File.WriteAllTextAsync(configPath, config.ToJsonString(), timeout.Token);
        }
        await Task.WhenAll(devnet.StartValidatorAsync(0), devnet.StartValidatorAsync(1));
        var validator = devnet.Validator(0);
        using var faucet = devnet.LoadFaucet();
        var modelHash = Core.Inference.Store.ModelHash.ComputeFile(modelPath);
        await SubmitOkAsync(validator, TransactionCodec.Sign(faucet, new Transaction
        {
            ChainId = DevnetInitializer.ChainId, SenderPublicKey = ByteString.CopyFrom(faucet.PublicKey.ToProtobuf()), Nonce = 0, Fee = 1,
            RegisterModel = new RegisterModel { Hash = modelHash, Name = "add", Task = "tensor", InputSignature = "a,b", OutputSignature = "c" },
        }));
        var nodeData = await GatewayTestNetwork.PrepareNodeAsync(devnet.NewDirectory("nodes"), "node", extraNodeConfig: $", \"PricePerRequest\": {Price}");
        File.Copy(devnet.GenesisPath, Path.Combine(nodeData, "genesis.json"));
        await using var node = await TestDaemon.StartAsync(timeout.Token, dataDirectory: nodeData, bootstrapPeers: [validator.ListenAddress], modes: ["node"]);
        var answered = 0;
        Tamper(node, (outputs, _) => Interlocked.Increment(ref answered) % 3 == 0 ? Shift(outputs, 0.05f) : outputs);
        await SubmitOkAsync(validator, ChainDevnet.Transfer(faucet, node.PeerId, 10_000_000, 1));
        await Poll.UntilAsync(async () => (await validator.AccountAsync(node.PeerId)).Balance > 0, VerificationNetwork.Timeout);
        using (var key = KeyFile.Load(node.Data.KeyPath))
            await SubmitOkAsync(validator, TransactionCodec.Sign(key, new Transaction
            {
                ChainId = DevnetInitializer.ChainId, SenderPublicKey = ByteString.CopyFrom(key.PublicKey.ToProtobuf()), Nonce = 0, Fee = 1,
                RegisterNode = new RegisterNode { Stake = 1_000_000, Hardware = "test cpu", Region = "eu-west", ClaimedMflops = 20, ModelHashes = { modelHash } },
            }));

        // Two validators of equal power: a verdict needs more than 2/3 of it, so a slash means both re-executed a dispute
        // and attested FAIL by themselves; nobody but the validators acts after registration.
        var slashed = await Poll.UntilAsync(async () => await NodeJsonAsync(validator, node.PeerId),
            n => n is { } json && json.GetProperty("slashed").GetUInt64() > 0, VerificationNetwork.Timeout * 2,
            n => $"node: {n?.ToString() ?? "not registered yet"}");
        Assert.That(slashed!.Value.GetProperty("state").GetString(), Is.EqualTo("jailed"));
        Assert.That(slashed.Value.GetProperty("canaryFailed").GetUInt64(), Is.GreaterThan(0), "a canary caught it");
    }

    [Test]
    public async Task AnHonestNodeWithGpuLikeNoise_PassesEveryCanary_AndPaysAreReal()
    {
        using var timeout = new CancellationTokenSource(VerificationNetwork.Timeout * 3);
        await using var network = await StartAsync(timeout.Token);
        var (node, _) = await ActiveModelNodeAsync(network, timeout.Token);
        // Every output element off by up to 1e-4 of itself: more than a GPU's TF32 accumulation differs from a CPU's here.
        Tamper(node, (outputs, random) => Noisy(outputs, random, 1e-4f));

        const int rounds = 15;
        for (var i = 0; i < rounds; i++)
        {
            var attestation = await network.Verifier.CheckAsync(node.PeerId, CheckKind.Canary, timeout.Token);
            Assert.That(attestation!.Verdict, Is.EqualTo(CheckVerdict.Pass), attestation.Detail);
            Assert.That(attestation.CanaryPassed, Is.EqualTo((ulong)i + 1));
        }

        var state = await Poll.UntilAsync(() => Task.FromResult(network.Chain.GetNode(node.PeerId)!), n => n.Figures?.CanaryPassed == rounds, VerificationNetwork.Timeout,
            n => $"canaries on the ledger: {n.Figures?.CanaryPassed} passed, {n.Figures?.CanaryFailed} failed");
        Assert.That(state.Figures.CanaryFailed, Is.Zero);
        Assert.That(state.Figures.CanaryPassPpm, Is.EqualTo(1_000_000));
        Assert.That(state.Lifecycle, Is.EqualTo(NodeLifecycle.Active));
        Assert.That(network.Chain.ListDisputes(), Is.Empty);
        // The canaries were ordinary paid jobs from a stranger: the node holds vouchers from an account that is not the validator's.
        var payee = node.Application.Services.GetRequiredService<MarketService>().Market.Payee.Snapshot();
        Assert.That(payee, Has.Count.EqualTo(1));
        Assert.That(payee[0].Payer, Is.Not.EqualTo(network.Validator.PeerId.ToString()));
        Assert.That(payee[0].Consumed, Is.EqualTo(rounds * Price), "every canary paid the node's price");
    }

    [Test]
    public async Task ARetiredCanaryIdentity_IsSweptBack_ItsChannelClosedAtOnce()
    {
        using var timeout = new CancellationTokenSource(VerificationNetwork.Timeout * 3);
        await using var network = await VerificationNetwork.StartAsync(timeout.Token,
            verification: """, "CanaryInterval": "01:00:00", "CanaryFunding": 100000, "CanaryRecordDelay": "00:00:00", "CanaryRotation": 2 """, withModel: true);
        SupplyInvariant.Watch(network.Chain);
        var (node, _) = await ActiveModelNodeAsync(network, timeout.Token);
        var canaries = network.Validator.Application.Services.GetRequiredService<NodeVerifierService>().Canaries!;

        for (var i = 0; i < 2; i++) Assert.That((await network.Verifier.CheckAsync(node.PeerId, CheckKind.Canary, timeout.Token))!.Verdict, Is.EqualTo(CheckVerdict.Pass));
        var first = canaries.Identity!;
        var channel = network.Chain.ListChannels(first).Single();
        Assert.That(channel.Value.SettleAtUnixMs, Is.Zero, "the identity's channel is open while it sends canaries");
        Assert.That((await network.Verifier.CheckAsync(node.PeerId, CheckKind.Canary, timeout.Token))!.Verdict, Is.EqualTo(CheckVerdict.Pass));

        Assert.That(canaries.Identity, Is.Not.EqualTo(first), "the third canary comes from the next identity");
        // The retired identity's sweep closes its channel at once; it settles (and the rest is transferred) after the chain's settle delay.
        await Poll.UntilAsync(() => Task.FromResult(network.Chain.GetChannel(Convert.FromHexString(channel.Key))!), c => c.SettleAtUnixMs > 0, VerificationNetwork.Timeout,
            c => $"the retired identity's channel: settle at {c.SettleAtUnixMs}; retired {canaries.Retired.Count}");
        Assert.That(canaries.Retired, Does.Contain(first), "it is swept until nothing is left to move");
    }

    [Test]
    public async Task TheValidatorsChecks_DisputeReExecution_AndConsensusRounds_AreTraced()
    {
        using var timeout = new CancellationTokenSource(VerificationNetwork.Timeout * 3);
        var spans = new List<Activity>();
        await using var network = await StartAsync(timeout.Token, tracing => tracing.AddInMemoryExporter(spans));
        var (node, _) = await ActiveModelNodeAsync(network, timeout.Token);
        Tamper(node, (outputs, _) => Shift(outputs, 0.05f));

        var canary = await network.Verifier.CheckAsync(node.PeerId, CheckKind.Canary, timeout.Token);
        Assert.That(canary!.Verdict, Is.EqualTo(CheckVerdict.Fail));
        // The exporter appends from the threads that end spans; ToArray copies without enumerating.
        await Poll.UntilAsync(() => Task.FromResult(spans.ToArray()), all => all.Any(s => s.DisplayName == VerificationTracing.Dispute), VerificationNetwork.Timeout,
            all => $"spans: {string.Join(", ", all.Select(s => s.DisplayName).Distinct())}");

        var all = spans.ToArray();
        var checks = all.Where(s => s.Source.Name == VerificationTracing.SourceName && s.DisplayName == VerificationTracing.Check).ToList();
        Assert.That(checks.Select(s => s.GetTagItem(VerificationTracing.KindTag)).Distinct(), Is.SupersetOf(new[] { "Hardware", "Latency", "Canary" }),
            "the challenge, the probe and the canary each have a span");
        var canarySpan = checks.Single(s => (string?)s.GetTagItem(VerificationTracing.KindTag) == "Canary");
        Assert.That(canarySpan.GetTagItem(VerificationTracing.VerdictTag), Is.EqualTo("Fail"));
        Assert.That(canarySpan.GetTagItem(VerificationTracing.NodeTag), Is.EqualTo(node.PeerId.ToString()));
        Assert.That(all.Where(s => s.TraceId == canarySpan.TraceId && s.Source.Name != VerificationTracing.SourceName), Is.Empty,
            "the canary job carries no trace context of the check (it would mark it)");
        var dispute = all.First(s => s.DisplayName == VerificationTracing.Dispute);
        Assert.That(dispute.GetTagItem(VerificationTracing.VerdictTag), Is.EqualTo("Fail"));
        Assert.That(all.Any(s => s.Source.Name == ConsensusTracing.SourceName && s.DisplayName == ConsensusTracing.Round && s.GetTagItem("cerebrum.height") is not null), Is.True,
            "consensus rounds are traced");
    }

    private static async Task SubmitOkAsync(ChainDevnet.DaemonProcess validator, byte[] transaction)
    {
        using var response = await validator.SubmitAsync(transaction);
        Assert.That(response.IsSuccessStatusCode, Is.True, await response.Content.ReadAsStringAsync());
    }

    private static async Task<System.Text.Json.JsonElement?> NodeJsonAsync(ChainDevnet.DaemonProcess validator, PeerId node)
    {
        using var response = await validator.Admin.GetAsync(new Uri($"chain/nodes/{node}", UriKind.Relative));
        if (!response.IsSuccessStatusCode) return null;
        using var document = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    private static async Task<VerificationNetwork> StartAsync(CancellationToken ct, Action<TracerProviderBuilder>? traceExporters = null)
    {
        var network = await VerificationNetwork.StartAsync(ct, verification: """, "CanaryInterval": "01:00:00", "CanaryFunding": 100000, "CanaryRecordDelay": "00:00:00" """, withModel: true,
            traceExporters: traceExporters);
        SupplyInvariant.Watch(network.Chain);
        return network;
    }

    private static async Task<(TestDaemon Node, string Model)> ActiveModelNodeAsync(VerificationNetwork network, CancellationToken ct)
    {
        var model = await network.RegisterAddModelAsync();
        var node = await network.StartModelNodeAsync("node", Price, ct);
        await network.RegisterAsync(node, claimedMflops: 20, ct: ct, models: [model]);
        await network.WaitForLifecycleAsync(node.PeerId, NodeLifecycle.Active);
        return (node, model);
    }

    /// <summary>
    /// Replaces the node's infer handler with one that answers through the real handler (payment, run, receipt), then
    /// lets <paramref name="alter"/> change the outputs and signs the receipt again with the node's key: the dishonesty is here.
    /// </summary>
    internal static void Tamper(TestDaemon node, Func<IReadOnlyList<Tensor>, Random, IReadOnlyList<Tensor>> alter)
    {
        var handler = node.Application.Services.GetRequiredService<NodeService>().ServingHandler!;
        var key = KeyFile.Load(node.Data.KeyPath);
        var random = new Random(7);
        node.Application.Network.Host.SetHandler(InferProtocolHandler.ProtocolId, async (stream, ct) =>
        {
            var io = stream.Stream;
            try
            {
                while (await LengthPrefixedMessage.ReadAsync(io, 1 << 22, ct) is { } message)
                {
                    var response = await handler.AnswerAsync(message, stream.Connection.RemotePeer, ct);
                    if (response.Error is null)
                    {
                        IReadOnlyList<Tensor> outputs;
                        lock (random) outputs = alter([.. response.Outputs.Select(WireTensors.FromWire)], random);
                        response.Outputs.Clear();
                        response.Outputs.AddRange(outputs.Select(WireTensors.ToWire));
                        InferReceipts.SignResponse(response, key, response.InputHash.ToByteArray());
                    }
                    await LengthPrefixedMessage.WriteAsync(io, response.ToByteArray(), ct);
                }
            }
            catch (Exception e) when (e is IOException or InvalidDataException)
            {
                // The client went away.
            }
        });
    }

    internal static IReadOnlyList<Tensor> Shift(IReadOnlyList<Tensor> outputs, float by) =>
        [.. outputs.Select(t => Tensor.FromFloats(t.Name, t.Shape, [.. t.ToFloats().Select(v => v + by * (1 + Math.Abs(v)))]))];

    private static IReadOnlyList<Tensor> Noisy(IReadOnlyList<Tensor> outputs, Random random, float relative) =>
        [.. outputs.Select(t => Tensor.FromFloats(t.Name, t.Shape, [.. t.ToFloats().Select(v => v * (1 + relative * (float)(random.NextDouble() * 2 - 1)))]))];
}
