using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Operator.Admin;
using Cerebrum.Daemon.Gateway;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.EndToEnd;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;

namespace Cerebrum.Tests.Cloud;

/// <summary>
/// A devnet for Cerebrum Cloud, all in-process on 127.0.0.1: two nodes serving the generated 'add' model and the
/// built-in MiniLM, both following the ledger (they gossip offers on <c>cerebrum/1/offers</c>; the first rents itself out
/// at <see cref="LeasePricePerHour"/>), and one daemon that is the ledger's only validator (checking nodes on fast
/// ticks) and the gateway (open, or with API keys), funded in genesis so that it can be a tenant. The ledger holds what
/// a network's would: both models registered (by the faucet) and the first node registered with a stake and a claim
/// (by the node's own key), which the validator then checks and attests.
/// </summary>
internal sealed class CloudDevnet : IAsyncDisposable
{
    public const string MiniLm = BuiltinModels.AllMiniLmL6V2;

    private const string GatewaySection = "Gateway";

    public const ulong LeasePricePerHour = 250_000;

    /// <summary>What the registered node claims: little enough that the validator's hardware challenge passes on any machine.</summary>
    public const ulong ClaimedMflops = 20;

    private readonly TemporaryDirectory _directory;

    private CloudDevnet(TemporaryDirectory directory, TestDaemon[] nodes, TestDaemon gateway)
    {
        _directory = directory;
        Nodes = nodes;
        Gateway = gateway;
    }

    public TestDaemon[] Nodes { get; }

    /// <summary>The validator and gateway.</summary>
    public TestDaemon Gateway { get; }

    public Uri GatewayUrl => Gateway.Gateway().HttpUrl!;

    /// <summary>The gateway's data directory, as the CLI's --data-dir takes it.</summary>
    public string GatewayDataDirectory => Gateway.Data.Root;

    /// <summary>The node registered on the ledger (the other one is only heard).</summary>
    public TestDaemon RegisteredNode => Nodes[0];

    /// <summary>The hash of the MiniLM model the nodes serve, registered on the ledger.</summary>
    public string MiniLmHash { get; private set; } = "";

    /// <summary>The height at which the nodes and models were registered (all in one block or a few).</summary>
    public ulong RegisteredBy { get; private set; }

    /// <param name="gatewayConfig">Extra properties of the gateway's Gateway section, e.g. <c>"Open": true</c>.</param>
    public static async Task<CloudDevnet> StartAsync(string gatewayConfig, CancellationToken cancellationToken)
    {
        var directory = TemporaryDirectory.Create();
        var nodes = new List<TestDaemon>();
        TestDaemon? gateway = null;
        try
        {
            var (validator, faucet) = await OneValidatorDevnet.CreateAsync(directory.Path, cancellationToken);
            var genesis = Path.Combine(directory.Path, "devnet", "genesis.json");
            for (var i = 0; i < 2; i++)
            {
                var data = await GatewayTestNetwork.PrepareNodeAsync(directory.Path, $"node{i}", miniLm: true);
                var nodeConfigPath = Path.Combine(data, "config.json");
                var nodeConfig = JsonNode.Parse(await File.ReadAllTextAsync(nodeConfigPath, cancellationToken))!.AsObject();
                nodeConfig["Chain"] = new JsonObject { ["Genesis"] = genesis };
                // Offers every second (the first may go out before the mesh forms); only the first node rents itself out.
                nodeConfig["Market"] = JsonNode.Parse(i == 0
                    ? $$"""{ "OfferInterval": "00:00:01", "OfferLifetime": "00:00:30", "Lease": { "PricePerHour": {{LeasePricePerHour}} } }"""
                    : """{ "OfferInterval": "00:00:01", "OfferLifetime": "00:00:30" }""");
                await File.WriteAllTextAsync(nodeConfigPath, nodeConfig.ToJsonString(), cancellationToken);
                nodes.Add(await TestDaemon.StartAsync(cancellationToken, dataDirectory: data, modes: ["node"]));
            }
            var configPath = Path.Combine(validator, "config.json");
            var config = JsonNode.Parse(await File.ReadAllTextAsync(configPath, cancellationToken))!.AsObject();
            // One node is not registered (a dev network), so the gateway routes to every node rather than Active ones only;
            // usage is sampled twice a second so that its chart fills within a test.
            config[GatewaySection] = JsonNode.Parse($$"""{ "Http": "127.0.0.1:0", "Routing": { "Admission": "Any" }, "UsageFlushInterval": "00:00:00.500", {{gatewayConfig}} }""");
            // The validator checks the registered node at once (onboarding); latency again every few seconds, for the charts.
            config["Verification"] = JsonNode.Parse("""
                { "Tick": "00:00:00.100", "AttestInterval": "00:00:00.200", "HardwareInterval": "01:00:00", "LatencyInterval": "00:00:05", "ProbeDeadline": "00:00:10" }
                """);
            await File.WriteAllTextAsync(configPath, config.ToJsonString(), cancellationToken);
            gateway = await TestDaemon.StartAsync(cancellationToken, dataDirectory: validator, bootstrapPeers: [.. nodes.Select(n => n.ListenAddress)],
                modes: ["validator", "gateway"]);
            var devnet = new CloudDevnet(directory, [.. nodes], gateway);
            await gateway.WaitForRoutesAsync(MiniLm, nodes.Count);
            await gateway.WaitForRoutesAsync("add", nodes.Count);
            await devnet.RegisterAsync(faucet, cancellationToken);
            faucet.Dispose();
            return devnet;
        }
        catch
        {
            if (gateway is not null) await gateway.DisposeAsync();
            foreach (var node in nodes) await node.DisposeAsync();
            directory.Dispose();
            throw;
        }
    }

    public HttpClient HttpClient(string? apiKey = null)
    {
        var http = Gateway.HttpClient();
        if (apiKey is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return http;
    }

    /// <summary>Creates an API key on the gateway, as <c>cerebrum gateway key create</c> does, and returns it.</summary>
    public string CreateKey(string name, double ratePerSecond) => Gateway.Gateway().Keys.Create(name, ratePerSecond, DateTimeOffset.UtcNow).Key;

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync().AsTask().WaitAsync(GatewayTestNetwork.Timeout);
        foreach (var node in Nodes) await node.DisposeAsync().AsTask().WaitAsync(GatewayTestNetwork.Timeout);
        _directory.Dispose();
    }

    // The faucet registers both models and funds the first node, which registers itself with a stake, as a network's
    // operators would with their own keys.
    private async Task RegisterAsync(PrivateKey faucet, CancellationToken cancellationToken)
    {
        using var admin = Gateway.AdminClient();
        var status = (await admin.GetFromJsonAsync<ChainStatusResponse>(AdminRoutes.ChainStatus, cancellationToken))!;
        MiniLmHash = Gateway.Gateway().Table.FindModel(MiniLm)!.Hash;
        var addHash = Gateway.Gateway().Table.FindModel("add")!.Hash;
        var node = KeyFile.Load(RegisteredNode.Data.KeyPath);
        await SubmitAsync(admin, Sign(faucet, status.ChainId, 0, t => t.RegisterModel = new RegisterModel
        {
            Hash = MiniLmHash, Name = MiniLm, Task = "text-embedding",
            InputSignature = "input_ids:int64[n,t] attention_mask:int64[n,t] token_type_ids:int64[n,t]",
            OutputSignature = "last_hidden_state:float32[n,t,384]",
        }), cancellationToken);
        await SubmitAsync(admin, Sign(faucet, status.ChainId, 1, t => t.RegisterModel = new RegisterModel
        {
            Hash = addHash, Name = "add", Task = "tensor", InputSignature = "a:float32[n,3] b:float32[n,3]", OutputSignature = "c:float32[n,3]",
        }), cancellationToken);
        // The node's account must exist before it can register itself.
        var funding = await SubmitAsync(admin, Sign(faucet, status.ChainId, 2, t => t.Transfer = new Transfer
        {
            To = ByteString.CopyFrom(node.PeerId.Bytes.Span), Amount = 2_000_000,
        }), cancellationToken);
        await WaitIncludedAsync(admin, funding, cancellationToken);
        var registration = await SubmitAsync(admin, Sign(node, status.ChainId, 0, t => t.RegisterNode = new RegisterNode
        {
            Stake = 1_000_000, Hardware = "cpu-2c", Region = "local", ModelHashes = { MiniLmHash }, ClaimedMflops = ClaimedMflops,
        }), cancellationToken);
        RegisteredBy = await WaitIncludedAsync(admin, registration, cancellationToken);
        node.Dispose();
    }

    private static byte[] Sign(PrivateKey sender, string chainId, ulong nonce, Action<Transaction> body)
    {
        var transaction = new Transaction { ChainId = chainId, Nonce = nonce, Fee = 10 };
        body(transaction);
        return TransactionCodec.Sign(sender, transaction);
    }

    private static async Task<string> SubmitAsync(HttpClient admin, byte[] transaction, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(transaction);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await admin.PostAsync(AdminRoutes.ChainTransactions, content, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.That(response.IsSuccessStatusCode, body);
        return System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("hash").GetString()!;
    }

    private static async Task<ulong> WaitIncludedAsync(HttpClient admin, string hash, CancellationToken cancellationToken)
    {
        ChainTransactionStatusResponse? status = null;
        await Poll.UntilAsync(async () =>
        {
            status = await admin.GetFromJsonAsync<ChainTransactionStatusResponse>(AdminRoutes.ChainTransactionOf(hash), cancellationToken);
            Assert.That(status!.Status, Is.Not.EqualTo(ChainTransactionStatusResponse.Rejected), status.Error);
            return status.Status == ChainTransactionStatusResponse.Included;
        }, GatewayTestNetwork.Timeout);
        return status!.Height ?? 0;
    }
}
