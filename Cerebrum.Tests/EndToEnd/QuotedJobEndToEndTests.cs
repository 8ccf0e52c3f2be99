using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Daemon.Chain;
using Cerebrum.Daemon.CommandLine;
using Cerebrum.Daemon.Market;
using Cerebrum.Daemon.Status;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// <c>cerebrum job submit</c> picking nodes by quotes, with real daemons on loopback: a one-validator devnet whose
/// validator runs the job (Gateway:Routing as the devnet's gateway: Active nodes, Registered ones for a share), two
/// registered nodes asking 20 and 30 micro-CER an input, and a third node, the cheapest (5), that is not registered.
/// The job gossips its request, the nodes quote, and it runs only on the registered nodes that quoted, paying each
/// exactly its quoted price; the unregistered node, though cheapest and heard, gets nothing. The ledger's supply is
/// audited at every block.
/// </summary>
[TestFixture]
public sealed class QuotedJobEndToEndTests
{
    private const int Inputs = 24;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    [Test]
    public async Task A_job_runs_on_the_registered_nodes_that_quoted_pays_exactly_their_quotes_and_never_an_unregistered_node()
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var directory = TemporaryDirectory.Create();
        var (validatorData, faucet) = await OneValidatorDevnet.CreateAsync(directory.Path, cts.Token);
        faucet.Dispose();
        var faucetKey = Path.Combine(directory.Path, "devnet", DevnetInitializer.FaucetKeyFileName);
        var genesis = Path.Combine(directory.Path, "devnet", "genesis.json");
        var configPath = Path.Combine(validatorData, "config.json");
        var config = JsonNode.Parse(await File.ReadAllTextAsync(configPath, cts.Token))!.AsObject();
        config["Gateway"] = JsonNode.Parse("""{ "Routing": { "RegisteredShare": 0.5 }, "Payments": { "Deposit": 2000 } }""");
        // A generous window under load; it ends as soon as both registered nodes quoted.
        config["Market"] = JsonNode.Parse("""{ "Jobs": { "QuoteWindow": "00:00:10", "QuoteRequestInterval": "00:00:10", "EnoughQuotes": 2 } }""");
        await File.WriteAllTextAsync(configPath, config.ToJsonString(), cts.Token);
        await using var validator = await TestDaemon.StartAsync(cts.Token, dataDirectory: validatorData, modes: ["validator"]);

        var root = Path.Combine(directory.Path, "nodes");
        var prices = new Dictionary<string, ulong> { ["a"] = 20, ["b"] = 30, ["c"] = 5 };
        var nodes = new Dictionary<string, TestDaemon>();
        try
        {
            foreach (var (name, price) in prices)
            {
                var data = await GatewayTestNetwork.PrepareNodeAsync(root, name);
                await File.WriteAllTextAsync(Path.Combine(data, "config.json"),
                    $$"""{ "Node": { "HeartbeatInterval": "00:00:00.200", "PricePerRequest": {{price}} }, "Chain": { "Genesis": {{JsonSerializer.Serialize(genesis)}} } }""", cts.Token);
                nodes[name] = await TestDaemon.StartAsync(cts.Token, dataDirectory: data, bootstrapPeers: [validator.ListenAddress], modes: ["node"]);
            }
            var chain = validator.Application.Services.GetRequiredService<ChainService>().Chain;
            var modelHash = ModelHash.ComputeFile(Path.Combine(root, "add.onnx"));
            await GatewayTestNetwork.RunCliOkAsync("model", "register", "add", "--task", "tensor", "--key", faucetKey, "--wait", "--data-dir", nodes["a"].Data.Root);
            foreach (var name in new[] { "a", "b" })
            {
                var stake = chain.Params.MinNodeStake;
                await GatewayTestNetwork.RunCliOkAsync("tx", "transfer", "--key", faucetKey, "--to", nodes[name].PeerId.ToString(),
                    "--amount", (stake + 100_000).ToString(CultureInfo.InvariantCulture), "--wait", "--data-dir", validatorData);
                // A node whose ledger view is a block behind the model's registration refuses RegisterNode (UnknownModel): again.
                var registered = await Poll.UntilAsync(() => RegisterAsync(nodes[name], stake, modelHash),
                    r => r.Exit == 0 || !r.Stderr.Contains("(UnknownModel)", StringComparison.Ordinal), GatewayTestNetwork.Timeout, r => $"exit {r.Exit}: {r.Stderr}");
                Assert.That(registered.Exit, Is.Zero, registered.Stderr);
            }
            await Poll.UntilAsync(() => chain.GetNode(nodes["a"].PeerId) is not null && chain.GetNode(nodes["b"].PeerId) is not null, GatewayTestNetwork.Timeout);
            var directoryBook = validator.Application.Services.GetRequiredService<NodeDirectoryService>().Book;
            await Poll.UntilAsync(() => nodes.Values.All(n => directoryBook.Find(n.PeerId) is not null), GatewayTestNetwork.Timeout);

            var input = Path.Combine(directory.Path, "inputs.jsonl");
            var output = Path.Combine(directory.Path, "results.jsonl");
            await File.WriteAllLinesAsync(input, Enumerable.Range(0, Inputs).Select(i => JsonSerializer.Serialize(new
            {
                id = $"in-{i}",
                inputs = new[] { new { name = "a", shape = new[] { 1, 3 }, datatype = "FP32", data = new[] { i, i, i } }, new { name = "b", shape = new[] { 1, 3 }, datatype = "FP32", data = new[] { 1, 1, 1 } } },
            })), cts.Token);
            var stdout = await GatewayTestNetwork.RunCliOkAsync("job", "submit", input, "--model", "add", "--out", output, "--data-dir", validatorData);

            var lines = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            var byNode = prices.Keys.ToDictionary(n => n, n => lines.Count(l => l.TryGetProperty("node", out var node) && node.GetString() == nodes[n].PeerId.ToString()));
            var spent = byNode.Aggregate(0UL, (sum, n) => sum + ((ulong)n.Value * prices[n.Key]));
            Assert.Multiple(() =>
            {
                Assert.That(lines.Select(l => l.GetProperty("id").GetString()), Is.EqualTo(Enumerable.Range(0, Inputs).Select(i => $"in-{i}")), string.Join("\n", lines));
                Assert.That(byNode["c"], Is.Zero, "the unregistered node is never used, though it is the cheapest and heard");
                Assert.That(byNode["a"] + byNode["b"], Is.EqualTo(Inputs), "every input ran on a registered node that quoted");
                Assert.That(stdout.Trim(), Is.EqualTo($"done {Inputs}, failed 0, spent {spent} micro-CER"));
            });

            // The channels hold exactly the quoted prices of the answered inputs, per node.
            var payer = validator.Application.Services.GetRequiredService<MarketService>().Market.Payer.Snapshot();
            Assert.That(payer.Select(c => c.Node), Does.Not.Contain(nodes["c"].PeerId.ToString()), "no channel to the unregistered node");
            foreach (var name in new[] { "a", "b" })
            {
                var spentOn = payer.Where(c => c.Node == nodes[name].PeerId.ToString()).Aggregate(0UL, (sum, c) => sum + c.Spent);
                Assert.That(spentOn, Is.EqualTo((ulong)byNode[name] * prices[name]), $"node {name}: its channel total is its quoted price times the inputs it answered");
            }

            // Where the nodes came from: the quotes.
            using var list = JsonDocument.Parse(await GatewayTestNetwork.RunCliOkAsync("job", "list", "--json", "--data-dir", validatorData));
            var id = list.RootElement.EnumerateArray().Single().GetProperty("id").GetString()!;
            using var status = JsonDocument.Parse(await GatewayTestNetwork.RunCliOkAsync("job", "status", id, "--json", "--data-dir", validatorData));
            var used = byNode.Count(n => n.Value > 0);
            Assert.That((status.RootElement.GetProperty("quotedNodes").GetInt32(), status.RootElement.GetProperty("offeredNodes").GetInt32()), Is.EqualTo((used, 0)));
            Assert.That(status.RootElement.GetProperty("done").GetInt32(), Is.EqualTo(Inputs), "the existing fields stay");
            var text = await GatewayTestNetwork.RunCliOkAsync("job", "status", id, "--data-dir", validatorData);
            Assert.That(text, Does.Contain($"quotes {used}, offers 0"));

            SupplyInvariant.CheckAudit(chain, "validator");
        }
        finally
        {
            foreach (var node in nodes.Values) await node.DisposeAsync();
        }
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RegisterAsync(TestDaemon node, ulong stake, string modelHash) =>
        await Cli.CliHelpTests.RunAsync(["node", "register", "--stake", stake.ToString(CultureInfo.InvariantCulture), "--region", "local", "--hardware", "test cpu",
            "--claimed-mflops", "20", "--model", modelHash, "--wait", "--data-dir", node.Data.Root]);
}
