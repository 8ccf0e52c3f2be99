using System.Text.Json;
using System.Text.Json.Nodes;
using Cerebrum.Cli;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Daemon.Market;
using Cerebrum.Daemon.Node;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// <c>cerebrum job submit</c> against real daemons on loopback: a one-validator devnet whose validator (a child process,
/// so it can be killed with SIGKILL) runs the job and pays a MiniLM node asking 25 micro-CER an input. The job is
/// killed mid-way, the daemon restarted and the same command run again: every input has exactly one line, in input
/// order, with the in-process engine's embedding, and the channel shows every input paid exactly once.
/// </summary>
[TestFixture]
public sealed class BatchJobEndToEndTests
{
    private const ulong Price = 25;
    private const int Inputs = 300;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    [Test]
    public async Task A_job_survives_kill_9_of_its_daemon_with_no_line_twice_and_nothing_paid_twice()
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var directory = TemporaryDirectory.Create();
        var (validatorData, faucet) = await OneValidatorDevnet.CreateAsync(directory.Path, cts.Token);
        faucet.Dispose();
        var genesis = Path.Combine(directory.Path, "devnet", "genesis.json");
        var configPath = Path.Combine(validatorData, "config.json");
        var config = JsonNode.Parse(await File.ReadAllTextAsync(configPath, cts.Token))!.AsObject();
        // The node is not registered (this test is about crashes and payment), so jobs admit any node, as a gateway would with Admission Any.
        config["Gateway"] = new JsonObject { ["Routing"] = new JsonObject { ["Admission"] = "Any" }, ["Payments"] = new JsonObject { ["Deposit"] = 2_000 } };
        await File.WriteAllTextAsync(configPath, config.ToJsonString(), cts.Token);
        var nodeData = await GatewayTestNetwork.PrepareNodeAsync(directory.Path, "node", miniLm: true);
        await File.WriteAllTextAsync(Path.Combine(nodeData, "config.json"),
            $$"""{ "Node": { "HeartbeatInterval": "00:00:00.200", "PricePerRequest": {{Price}} }, "Chain": { "Genesis": {{JsonSerializer.Serialize(genesis)}} } }""", cts.Token);
        // Both up before they connect (the node dials), so that each side's pubsub already runs when the other's stream arrives.
        await using var node = await TestDaemon.StartAsync(cts.Token, dataDirectory: nodeData, modes: ["node"]);
        DaemonProcess? validator = await DaemonProcess.StartAsync(validatorData, ["--mode", "validator"], GatewayTestNetwork.Timeout);
        try
        {
            await GatewayTestNetwork.RunCliOkAsync("net", "connect", validator.ListenAddress, "--data-dir", nodeData);

            var input = Path.Combine(directory.Path, "texts.jsonl");
            var output = Path.Combine(directory.Path, "results.jsonl");
            var texts = Enumerable.Range(0, Inputs).Select(i => $"sentence {i}: the {i % 7} quick brown foxes jump over {i % 11} lazy dogs").ToList();
            await File.WriteAllLinesAsync(input, texts.Select((t, i) => JsonSerializer.Serialize(new { id = $"t{i}", text = t })), cts.Token);
            string[] submit = ["job", "submit", input, "--model", BuiltinModels.AllMiniLmL6V2, "--out", output, "--data-dir", validatorData];

            // Bad input is refused with a clear error, and the daemon goes on.
            var bad = Path.Combine(directory.Path, "bad.jsonl");
            await File.WriteAllTextAsync(bad, "{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"a\",\"text\":\"y\"}\n", cts.Token);
            await WaitUntilHeardAsync(validatorData);
            await AssertRefusedAsync(["job", "submit", bad, "--model", BuiltinModels.AllMiniLmL6V2, "--out", output, "--data-dir", validatorData], "id \"a\" appears twice");
            await File.WriteAllTextAsync(bad, "{\"id\":\"a\",\"text\":\"x\"}\nnot json\n", cts.Token);
            await AssertRefusedAsync(["job", "submit", bad, "--model", BuiltinModels.AllMiniLmL6V2, "--out", output, "--data-dir", validatorData], "line 2");
            await AssertRefusedAsync(["job", "submit", input, "--model", "no-such-model", "--out", output, "--data-dir", validatorData], "no node this daemon hears announces model 'no-such-model'");
            await AssertRefusedAsync(["job", "submit", Path.Combine(directory.Path, "missing.jsonl"), "--model", BuiltinModels.AllMiniLmL6V2, "--out", output, "--data-dir", validatorData], "does not exist");
            Assert.That(File.Exists(output), Is.False, "a refused job writes nothing");

            // Killed mid-job.
            var first = RunCliAsync(submit);
            await Poll.UntilAsync(() => Lines(output) >= Inputs / 5, Timeout);
            await validator.KillAsync();
            var (firstExit, _, firstStderr) = await first;
            Assert.That(firstExit, Is.Not.Zero, "the first run lost its daemon mid-job");
            Assert.That(Lines(output), Is.LessThan(Inputs), $"killed mid-job, not after it: {firstStderr}");
            await validator.DisposeAsync();
            validator = null;
            // The node has seen the connection go before the validator comes back under the same peer ID.
            await Poll.UntilAsync(() => node.Application.Network.Host.Connections.Count == 0, GatewayTestNetwork.Timeout);

            // Restarted: the daemon resumes the job, and the same command follows it to the end.
            validator = await DaemonProcess.StartAsync(validatorData, ["--mode", "validator"], GatewayTestNetwork.Timeout);
            await GatewayTestNetwork.RunCliOkAsync("net", "connect", validator.ListenAddress, "--data-dir", nodeData);
            await WaitUntilHeardAsync(validatorData);
            var (exit, stdout, stderr) = await RunCliAsync(submit);
            Assert.That(exit, Is.Zero, $"{stdout}{stderr}; first error line: {File.ReadLines(output).FirstOrDefault(l => l.Contains("\"error\"", StringComparison.Ordinal))}");
            Assert.That(stdout.Trim(), Is.EqualTo($"done {Inputs}, failed 0, spent {Inputs * (int)Price} micro-CER"));

            var lines = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.That(lines.Select(l => l.GetProperty("id").GetString()), Is.EqualTo(Enumerable.Range(0, Inputs).Select(i => $"t{i}")), "one line per input, in input order");
            Assert.That(lines.All(l => l.GetProperty("node").GetString() == node.PeerId.ToString() && l.GetProperty("receipt").GetString()!.Length == 64), Is.True);
            var engine = node.Application.Services.GetRequiredService<NodeService>().Engine;
            var expected = new List<float[]>();
            foreach (var chunk in texts.Chunk(100)) expected.AddRange(await engine.EmbedAsync(chunk, ct: cts.Token));
            for (var i = 0; i < Inputs; i++)
                MiniLmReference.AssertMatches([.. lines[i].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle())], expected[i], $"input {i}");

            // Nothing paid twice: the node consumed, and the payer's vouchers promise, exactly one price per input.
            var payee = node.Application.Services.GetRequiredService<MarketService>().Market.Payee.Snapshot().Single();
            Assert.That((payee.Consumed, payee.Best!.Amount), Is.EqualTo((Inputs * Price, Inputs * Price)));
            using var channels = JsonDocument.Parse((await RunCliAsync("channel", "list", "--json", "--data-dir", validatorData)).Stdout);
            Assert.That(channels.RootElement.EnumerateArray().Where(c => c.GetProperty("role").GetString() == "payer").Sum(c => c.GetProperty("paid").GetInt64()),
                Is.EqualTo((long)(Inputs * Price)));
        }
        finally
        {
            if (validator is not null) await validator.DisposeAsync();
        }
    }

    private static int Lines(string path) => File.Exists(path) ? File.ReadAllLines(path).Length : 0;

    /// <summary>Until the daemon hears the node announce MiniLM (a job for a model nobody announces is refused).</summary>
    private static Task WaitUntilHeardAsync(string dataDirectory) =>
        Poll.UntilAsync(() => RunCliAsync("net", "nodes", "--json", "--data-dir", dataDirectory), r => r.Stdout.Contains(BuiltinModels.AllMiniLmL6V2, StringComparison.Ordinal),
            GatewayTestNetwork.Timeout, r => $"exit {r.Exit}: {r.Stdout} {r.Stderr}; pubsub: {PubSub(dataDirectory)}");

    private static string PubSub(string dataDirectory)
    {
        using var admin = Cerebrum.Cli.Admin.AdminClient.Open(new Cerebrum.Core.Operator.DataDirectory(dataDirectory));
        var topics = admin.GetAsync(Cerebrum.Core.Operator.Admin.AdminRoutes.PubSub, Cerebrum.Core.Operator.Admin.AdminJsonContext.Default.ListPubSubTopicStatus, CancellationToken.None).GetAwaiter().GetResult();
        return string.Join("; ", topics.Select(t => $"{t.Topic} mesh {t.MeshPeers} peers {t.TopicPeers} received {t.MessagesReceived}"));
    }

    private static async Task AssertRefusedAsync(string[] args, string message)
    {
        var (exit, stdout, stderr) = await RunCliAsync(args);
        Assert.That(exit, Is.Not.Zero);
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr, Does.StartWith("error: ").And.Contain(message));
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunCliAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CerebrumCommandLine.RunAsync(args, stdout, stderr).WaitAsync(Timeout);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
