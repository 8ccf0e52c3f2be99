using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Crypto;
using Cerebrum.Daemon.Chain;
using Cerebrum.Daemon.CommandLine;
using Cerebrum.Daemon.Verification;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.Inference;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// In process on loopback: a one-validator devnet whose validator checks nodes (fast ticks; only onboarding checks unless
/// the test asks for more), and node daemons on the same genesis that the faucet funds and that register on the ledger.
/// </summary>
internal sealed class VerificationNetwork : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly TemporaryDirectory _directory;
    private readonly PrivateKey _faucet;
    private readonly List<TestDaemon> _nodes = [];
    private ulong _faucetNonce;

    private VerificationNetwork(TemporaryDirectory directory, PrivateKey faucet, TestDaemon validator)
    {
        _directory = directory;
        _faucet = faucet;
        Validator = validator;
    }

    public TestDaemon Validator { get; }

    public ChainNode Chain => Validator.Application.Services.GetRequiredService<ChainService>().Chain;

    public Core.Verification.NodeVerifier Verifier => Validator.Application.Services.GetRequiredService<NodeVerifierService>().Verifier!;

    /// <param name="verification">Extra keys of the validator's Verification section (JSON, starting with a comma).</param>
    /// <param name="withModel">The validator holds the test "add" model (so it can send canaries and re-execute disputes over it).</param>
    /// <param name="traceExporters">Turns the validator's tracing on (every trace sampled) with these exporters.</param>
    public static async Task<VerificationNetwork> StartAsync(CancellationToken ct, string verification = "", bool withModel = false,
        Action<OpenTelemetry.Trace.TracerProviderBuilder>? traceExporters = null)
    {
        var directory = TemporaryDirectory.Create();
        try
        {
            var (data, faucet) = await OneValidatorDevnet.CreateAsync(directory.Path, ct);
            if (withModel)
            {
                OnnxTestModels.Write(directory.Path, "add.onnx", OnnxTestModels.AddFloat());
                await GatewayTestNetwork.RunCliOkAsync("model", "add", Path.Combine(directory.Path, "add.onnx"), "--name", "add", "--data-dir", data);
            }
            var configPath = Path.Combine(data, "config.json");
            var config = JsonNode.Parse(await File.ReadAllTextAsync(configPath, ct))!.AsObject();
            config["Verification"] = JsonNode.Parse($$"""
                { "Tick": "00:00:00.100", "AttestInterval": "00:00:00.200", "HardwareInterval": "01:00:00", "LatencyInterval": "01:00:00",
                  "ProbeDeadline": "00:00:10"{{verification}} }
                """);
            if (traceExporters is not null) config["Telemetry"] = JsonNode.Parse("""{ "Enabled": true, "SamplingRatio": 1 }""");
            await File.WriteAllTextAsync(configPath, config.ToJsonString(), ct);
            var validator = await TestDaemon.StartAsync(ct, dataDirectory: data, traceExporters: traceExporters);
            return new VerificationNetwork(directory, faucet, validator);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>A node daemon on the devnet's genesis, serving no model, connected to the validator.</summary>
    public async Task<TestDaemon> StartNodeAsync(string name, CancellationToken ct)
    {
        var data = Directory.CreateDirectory(Path.Combine(_directory.Path, name)).FullName;
        File.Copy(Path.Combine(_directory.Path, "devnet", "genesis.json"), Path.Combine(data, "genesis.json"));
        var node = await TestDaemon.StartAsync(ct, dataDirectory: data, bootstrapPeers: [Validator.ListenAddress], modes: ["node"]);
        _nodes.Add(node);
        return node;
    }

    /// <summary>A node daemon on the devnet's genesis serving the "add" model at <paramref name="price"/> micro-CER a job.</summary>
    public async Task<TestDaemon> StartModelNodeAsync(string name, ulong price, CancellationToken ct)
    {
        var data = await GatewayTestNetwork.PrepareNodeAsync(_directory.Path, name, extraNodeConfig: $", \"PricePerRequest\": {price}");
        File.Copy(Path.Combine(_directory.Path, "devnet", "genesis.json"), Path.Combine(data, "genesis.json"));
        var node = await TestDaemon.StartAsync(ct, dataDirectory: data, bootstrapPeers: [Validator.ListenAddress], modes: ["node"]);
        _nodes.Add(node);
        return node;
    }

    /// <summary>A gateway daemon on the devnet's genesis (so it keeps the ledger and pays nodes), its HTTP API open on an ephemeral port; <paramref name="gatewayConfig"/> adds keys to the Gateway section.</summary>
    public async Task<TestDaemon> StartGatewayAsync(string gatewayConfig, CancellationToken ct)
    {
        var data = Directory.CreateDirectory(Path.Combine(_directory.Path, "gateway")).FullName;
        File.Copy(Path.Combine(_directory.Path, "devnet", "genesis.json"), Path.Combine(data, "genesis.json"));
        var gateway = await GatewayTestNetwork.StartGatewayAsync(_directory.Path, [Validator.ListenAddress], $", \"Open\": true{gatewayConfig}", ct);
        _nodes.Add(gateway);
        return gateway;
    }

    /// <summary>Registers the "add" model on the ledger (from the faucet); returns its hash.</summary>
    public async Task<string> RegisterAddModelAsync()
    {
        var hash = Core.Inference.Store.ModelHash.ComputeFile(Path.Combine(_directory.Path, "add.onnx"));
        Submit(TransactionCodec.Sign(_faucet, new Transaction
        {
            ChainId = DevnetInitializer.ChainId,
            SenderPublicKey = ByteString.CopyFrom(_faucet.PublicKey.ToProtobuf()),
            Nonce = _faucetNonce++,
            Fee = 1,
            RegisterModel = new RegisterModel { Hash = hash, Name = "add", Task = "tensor", InputSignature = "a:float[batch,3],b:float[batch,3]", OutputSignature = "c:float[batch,3]" },
        }));
        await Poll.UntilAsync(() => Chain.GetModel(hash) is not null, Timeout);
        return hash;
    }

    /// <summary>Stops a node daemon at once (it goes dark).</summary>
    public async Task StopNodeAsync(TestDaemon node)
    {
        _nodes.Remove(node);
        await node.DisposeAsync();
    }

    /// <summary>Funds <paramref name="node"/> from the faucet and registers it with <paramref name="claimedMflops"/>; returns when the ledger has it.</summary>
    public async Task RegisterAsync(TestDaemon node, ulong claimedMflops, string region = "eu-west", IReadOnlyList<string>? models = null, CancellationToken ct = default)
    {
        Submit(ChainDevnet.Transfer(_faucet, node.PeerId, 10_000_000, _faucetNonce++));
        using var key = KeyFile.Load(node.Data.KeyPath);
        await Poll.UntilAsync(() => Chain.GetAccount(node.PeerId).Balance > 0, Timeout);
        Submit(TransactionCodec.Sign(key, new Transaction
        {
            ChainId = DevnetInitializer.ChainId,
            SenderPublicKey = ByteString.CopyFrom(key.PublicKey.ToProtobuf()),
            Nonce = Chain.GetNextNonce(node.PeerId),
            Fee = 1,
            RegisterNode = new RegisterNode { Stake = Chain.Params.MinNodeStake, Hardware = "test cpu", Region = region, ClaimedMflops = claimedMflops, ModelHashes = { models ?? [] } },
        }));
        await Poll.UntilAsync(() => Chain.GetNode(node.PeerId) is not null, Timeout);
    }

    /// <summary>Sends <paramref name="amount"/> micro-CER from the faucet to <paramref name="account"/>; returns when the ledger has it.</summary>
    public async Task FundAsync(PeerId account, ulong amount)
    {
        var before = Chain.GetAccount(account).Balance;
        Submit(ChainDevnet.Transfer(_faucet, account, amount, _faucetNonce++));
        await Poll.UntilAsync(() => Chain.GetAccount(account).Balance >= before + amount, Timeout);
    }

    /// <summary>Waits until the ledger shows <paramref name="node"/> in <paramref name="lifecycle"/>.</summary>
    public Task<NodeState> WaitForLifecycleAsync(PeerId node, NodeLifecycle lifecycle) =>
        Poll.UntilAsync(() => Task.FromResult(Chain.GetNode(node)!), n => n.Lifecycle == lifecycle, Timeout,
            n => $"{n.Lifecycle}; the validator's attestations: {string.Join("; ", Verifier.Recent.Select(a => $"{a.Kind} {a.Verdict} {a.Detail}"))}");

    /// <summary>Submits a signed transaction to the validator; fails the test when it is refused.</summary>
    public void Submit(byte[] transaction)
    {
        var result = Validator.Application.Services.GetRequiredService<ChainService>().Gossip.Submit(transaction);
        Assert.That(result.Error, Is.Null, () => $"refused: {result.Error}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        await Validator.DisposeAsync();
        _faucet.Dispose();
        _directory.Dispose();
    }
}
