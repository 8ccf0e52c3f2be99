using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// Every command of the README's <c>```sh</c> blocks, run as a newcomer would, in the README's order, from the repository's
/// root, in one bash session: <c>scripts/install</c> and <c>export PATH</c> first, then the node, the gateway, the
/// devnet and its faucet, the pubsub commands. Commands that serve in the foreground ("from another terminal") run in
/// the background until their ready line. The placeholder <c>16Uiu2HAm…</c> is filled with what an earlier step
/// printed. <see cref="Steps"/> lists every command with what it must show; a README command missing from it (or a
/// step whose command left the README) fails the test, so the two cannot drift apart.
/// The session runs in a private network namespace (the README's fixed ports 4001, 8080, 4101… cannot collide with
/// other runs on the machine) and a private mount namespace whose <c>.data</c> and <c>.devnet</c> are fresh temporary
/// directories (a developer's own are neither seen nor touched).
/// </summary>
[TestFixture]
[Platform("Linux", Reason = "the examples run in bash, in network and mount namespaces (unshare)")]
[NonParallelizable]
public sealed class ReadmeExamplesEndToEndTests
{
    private const string Placeholder = "16Uiu2HAm…";
    private const string NodeAddress = "/ip4/127.0.0.1/tcp/4001/p2p/" + Placeholder;
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(2);

    private static readonly Step[] Steps =
    [
        Skip("scripts/devnet", "DevnetScriptEndToEndTests runs it (bash and PowerShell), with an embedding through its gateway"),
        Skip("scripts/test", "the test suite itself"),
        Run("scripts/install", expect: "installed cerebrumd and cerebrum in "),
        Run("export PATH=\"$PWD/.data/bin:$PATH\""),
        // A node
        Run("cerebrumd init --data-dir .data/node", expect: "peer id "),
        Run("cerebrum model add --builtin all-minilm-l6-v2 --data-dir .data/node", expect: "added all-minilm-l6-v2 sha256:"),
        Run("cerebrumd doctor --data-dir .data/node", expect: "all checks passed"),
        Start("cerebrumd run --data-dir .data/node --mode node --listen /ip4/127.0.0.1/tcp/4001", readyLine: @"^listening (?<node>/ip4/127\.0\.0\.1/tcp/4001/p2p/\S+)$"),
        Run("cerebrum status --data-dir .data/node", expect: "modes      node"),
        Run($"cerebrum net ping {NodeAddress} --count 3", fill: "node", expect: "pong from "),
        Run($"cerebrum embed --peer {NodeAddress} \"hello world\"", fill: "node", expect: "["),
        Run("echo '{\"inputs\":[{\"name\":\"input_ids\",\"shape\":[1,4],\"datatype\":\"INT64\",\"data\":[101,7592,2088,102]},{\"name\":\"attention_mask\",\"shape\":[1,4],\"datatype\":\"INT64\",\"data\":[1,1,1,1]},{\"name\":\"token_type_ids\",\"shape\":[1,4],\"datatype\":\"INT64\",\"data\":[0,0,0,0]}]}' > .data/tokens.json"),
        Run($"cerebrum infer --peer {NodeAddress} --model all-minilm-l6-v2 --input @.data/tokens.json", fill: "node", expect: "\"name\":\"last_hidden_state\""),
        // Serving apps (gateway mode)
        Run("cerebrumd init --data-dir .data/gateway", expect: "peer id "),
        Run("KEY=$(cerebrum gateway key create --name my-app --rate 50/s --data-dir .data/gateway)"),
        Start($"cerebrumd run --data-dir .data/gateway --mode gateway --http 127.0.0.1:8080 --listen /ip4/127.0.0.1/tcp/4002 --bootstrap {NodeAddress}", fill: "node",
            readyLine: "^gateway http://127.0.0.1:8080$", readyProbe: "curl -fsS http://127.0.0.1:8080/v2/health/ready"),
        Run("curl -s http://127.0.0.1:8080/v1/embeddings -H \"Authorization: Bearer $KEY\" -H 'Content-Type: application/json' -d '{\"model\":\"all-minilm-l6-v2\",\"input\":[\"hello\",\"world\"]}'",
            expect: "\"embedding\""),
        Run("cerebrum embed --gateway http://127.0.0.1:8080 --api-key \"$KEY\" \"hello world\"", expect: "["),
        Run("cerebrum gateway routes --data-dir .data/gateway", expect: "all-minilm-l6-v2"),
        // Running as a service
        Skip("scripts/publish", "a 470 MB self-contained package; scripts/packaging/check-systemd boots one under systemd"),
        Skip("scripts/publish win-x64", "a Windows package"),
        Skip("docker build -t cerebrum:0.1.0 dist/cerebrum-0.1.0-linux-x64", "needs docker and a published package"),
        Skip("docker run --rm -v cerebrum-data:/var/lib/cerebrum --entrypoint /opt/cerebrum/cerebrum cerebrum:0.1.0 model add --builtin all-minilm-l6-v2 --data-dir /var/lib/cerebrum", "needs docker"),
        Skip("docker run -d --name cerebrumd -p 4001:4001 -v cerebrum-data:/var/lib/cerebrum cerebrum:0.1.0 --mode node", "needs docker"),
        Skip("docker exec cerebrumd cerebrum status --data-dir /var/lib/cerebrum", "needs docker"),
        // Ledger (devnet)
        Run("cerebrumd init --devnet 4 --out .devnet", expect: "faucet key "),
        Run("for k in 0 1 2 3; do cerebrumd run --data-dir .devnet/v$k 2> .devnet/v$k.log & done",
            readyProbe: "test -f .devnet/v0/admin.url -a -f .devnet/v1/admin.url -a -f .devnet/v2/admin.url -a -f .devnet/v3/admin.url"),
        Run("curl -s -H \"Authorization: Bearer $(cat .devnet/v0/.cookie)\" \"$(cat .devnet/v0/admin.url)chain/status\"", expect: "\"chainId\":\"cerebrum-devnet\""),
        Run("cerebrum chain status --data-dir .devnet/v0", expect: "chain-id cerebrum-devnet"),
        Run("cerebrumd init --data-dir .data/alice", capture: @"^peer id (?<alice>\S+)$"),
        Run($"cerebrum tx transfer --key .devnet/faucet.key --to {Placeholder} --amount 5000000 --data-dir .devnet/v0 --wait", fill: "alice", expect: "included at height "),
        Run($"cerebrum account show {Placeholder} --data-dir .devnet/v0", fill: "alice", expect: "balance 5000000"),
        // Batch jobs
        Run("printf '{\"id\": \"s%d\", \"text\": \"sentence number %d\"}\\n' 1 1 2 2 3 3 > .data/texts.jsonl"),
        Run("cerebrum job submit .data/texts.jsonl --model all-minilm-l6-v2 --out .data/results.jsonl --data-dir .data/gateway", expect: "done 3, failed 0, spent 0 micro-CER"),
        Run("head -c 120 .data/results.jsonl", expect: "{\"id\":\"s1\",\"embedding\":["),
        Run("cerebrum job list --data-dir .data/gateway", expect: "done"),
        // Pubsub
        Run($"cerebrum pubsub sub --peer {NodeAddress} cerebrum/1/status --count 2", fill: "node", expect: "- - "),
        Run($"cerebrum pubsub pub --peer {NodeAddress} cerebrum/1/status \"hello\"", fill: "node", expect: "published "),
    ];

    [Test]
    public void EveryReadmeCommand_HasAStep_InTheReadmesOrder()
    {
        var commands = ReadmeExamples.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "README.md")));

        Assert.That(commands.Select(c => c.Key), Is.EqualTo(Steps.Select(s => s.Command)),
            "README.md's sh blocks and this test's steps differ: a new README example needs a step here (run, or skipped with the reason)");
    }

    [Test]
    public async Task EveryReadmeExample_RunsAsWritten()
    {
        var commands = ReadmeExamples.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "README.md")));
        Assert.That(commands.Select(c => c.Key), Is.EqualTo(Steps.Select(s => s.Command)), "see EveryReadmeCommand_HasAStep_InTheReadmesOrder");
        using var scratch = TemporaryDirectory.Create();
        await using var session = await ShellSession.StartAsync(scratch.Path);
        var captured = new Dictionary<string, string>(StringComparer.Ordinal);
        var transcript = new List<string>();
        for (var i = 0; i < Steps.Length; i++)
        {
            var step = Steps[i];
            if (step.SkipReason is not null)
                continue;
            var text = commands[i].Text;
            if (step.Fill is { } name)
            {
                Assert.That(captured, Does.ContainKey(name), $"step '{step.Command}' needs '{name}', which no earlier step printed");
                text = name == "node" ? text.Replace(NodeAddress, captured[name], StringComparison.Ordinal) : text.Replace(Placeholder, captured[name], StringComparison.Ordinal);
            }
            transcript.Add("$ " + text);
            if (step.ReadyLine is { } readyLine)
            {
                var output = session.Start(text);
                var ready = new Regex(readyLine, RegexOptions.Multiline);
                await Poll.UntilAsync(() => Task.FromResult(ready.IsMatch(output.Stdout)), ReadyTimeout);
                Capture(ready.Match(output.Stdout), captured);
            }
            else
            {
                var (exitCode, stdout, stderr) = await session.RunAsync(text, StepTimeout);
                transcript.Add(stdout + stderr);
                Assert.That(exitCode, Is.Zero, $"'{text}' failed:\n{stdout}{stderr}\n--- transcript:\n{string.Join('\n', transcript)}");
                if (step.Expect is { } expected)
                    Assert.That(stdout, Does.Contain(expected), $"'{text}' printed:\n{stdout}{stderr}");
                if (step.Capture is { } pattern)
                {
                    var match = new Regex(pattern, RegexOptions.Multiline).Match(stdout);
                    Assert.That(match.Success, Is.True, $"'{text}' printed no line matching {pattern}:\n{stdout}");
                    Capture(match, captured);
                }
            }
            if (step.ReadyProbe is { } probe)
                await Poll.UntilAsync(async () => (await session.RunAsync(probe, StepTimeout)).ExitCode == 0, ReadyTimeout);
        }
    }

    private static void Capture(Match match, Dictionary<string, string> captured)
    {
        foreach (var group in match.Groups.Values.Where(g => g.Success && !int.TryParse(g.Name, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            captured[group.Name] = group.Value;
    }

    private static Step Run(string command, string? fill = null, string? expect = null, string? capture = null, string? readyProbe = null) =>
        new(command) { Fill = fill, Expect = expect, Capture = capture, ReadyProbe = readyProbe };

    private static Step Start(string command, string readyLine, string? fill = null, string? readyProbe = null) =>
        new(command) { Fill = fill, ReadyLine = readyLine, ReadyProbe = readyProbe };

    private static Step Skip(string command, string reason) => new(command) { SkipReason = reason };

    /// <param name="Command">The README's command without its trailing comment.</param>
    private sealed record Step(string Command)
    {
        /// <summary>A capture whose value replaces the placeholder ("node": the whole node address; otherwise <c>16Uiu2HAm…</c>).</summary>
        public string? Fill { get; init; }

        /// <summary>Text the command's stdout must contain.</summary>
        public string? Expect { get; init; }

        /// <summary>A regex with named groups, matched against stdout; each group's value is kept under its name.</summary>
        public string? Capture { get; init; }

        /// <summary>For a command that serves in the foreground: it runs in the background until its stdout has a line matching this (named groups are captured).</summary>
        public string? ReadyLine { get; init; }

        /// <summary>A shell command repeated (within the namespace) until it succeeds, before the next step: what a person would wait for.</summary>
        public string? ReadyProbe { get; init; }

        public string? SkipReason { get; init; }
    }

    /// <summary>
    /// One bash session in private network and mount namespaces, at the repository's root, fed one command at a time; each
    /// command's output goes to files in a scratch directory. Stopping it sends SIGTERM to its whole process group (the
    /// daemons stop gracefully), then SIGKILL to what is left.
    /// </summary>
    private sealed class ShellSession : IAsyncDisposable
    {
        private readonly Process _shell;
        private readonly string _outputs;
        private readonly IReadOnlyList<string> _mountPoints;
        private int _next;

        private ShellSession(Process shell, string outputs, IReadOnlyList<string> mountPoints)
        {
            _shell = shell;
            _outputs = outputs;
            _mountPoints = mountPoints;
        }

        public static async Task<ShellSession> StartAsync(string scratch)
        {
            var outputs = Directory.CreateDirectory(Path.Combine(scratch, "out")).FullName;
            var data = Directory.CreateDirectory(Path.Combine(scratch, "data")).FullName;
            var devnet = Directory.CreateDirectory(Path.Combine(scratch, "devnet")).FullName;
            // The mount points: the README's state directories, ignored by git; a developer's own stay untouched underneath,
            // and those made here only for this are removed again.
            var mountPoints = new[] { ".data", ".devnet" }.Select(d => Path.Combine(RepositoryRoot.Path, d)).Where(d => !Directory.Exists(d)).ToList();
            foreach (var mountPoint in mountPoints)
                Directory.CreateDirectory(mountPoint);
            var info = new ProcessStartInfo("setsid")
            {
                WorkingDirectory = RepositoryRoot.Path,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            // Root may enter namespaces directly; anyone else through a user namespace of their own.
            foreach (var argument in (string[])["unshare", "--net", "--mount", .. Environment.UserName == "root" ? Array.Empty<string>() : ["--map-root-user"],
                         "--", "bash", "--noprofile", "--norc", "-s"])
                info.ArgumentList.Add(argument);
            foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("CEREBRUM", StringComparison.Ordinal)).ToList())
                info.Environment.Remove(name);
            // No build servers left behind in the namespace by scripts/install's builds.
            info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
            info.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
            info.Environment["UseSharedCompilation"] = "false";
            var session = new ShellSession(Process.Start(info)!, outputs, mountPoints);
            var (exitCode, stdout, stderr) = await session.RunAsync(
                $"ip link set lo up && mount --bind '{data}' .data && mount --bind '{devnet}' .devnet", TimeSpan.FromSeconds(30));
            Assert.That(exitCode, Is.Zero, $"cannot set up the namespaces: {stdout}{stderr}");
            return session;
        }

        /// <summary>Runs <paramref name="command"/> (one README line, comments and all) and returns its exit code and output.</summary>
        public async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string command, TimeSpan timeout)
        {
            var (stdout, stderr) = NextOutputs();
            await _shell.StandardInput.WriteAsync($"{{ {command}\n}} </dev/null >'{stdout}' 2>'{stderr}'\necho \"__readme_step__ $?\"\n");
            await _shell.StandardInput.FlushAsync();
            using var deadline = new CancellationTokenSource(timeout);
            while (true)
            {
                string? line;
                try
                {
                    line = await _shell.StandardOutput.ReadLineAsync(deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    Assert.Fail($"'{command}' did not finish within {timeout.TotalSeconds} s:\n{Read(stdout)}{Read(stderr)}");
                    throw;
                }
                if (line is null)
                    Assert.Fail($"the shell ended during '{command}': {await _shell.StandardError.ReadToEndAsync()}");
                if (line!.StartsWith("__readme_step__ ", StringComparison.Ordinal))
                    return (int.Parse(line["__readme_step__ ".Length..], CultureInfo.InvariantCulture), Read(stdout), Read(stderr));
            }
        }

        /// <summary>Starts <paramref name="command"/> in the background ("from another terminal"); its output is read as it comes.</summary>
        public BackgroundOutput Start(string command)
        {
            var (stdout, stderr) = NextOutputs();
            _shell.StandardInput.Write($"{{ {command}\n}} </dev/null >'{stdout}' 2>'{stderr}' &\n");
            _shell.StandardInput.Flush();
            return new BackgroundOutput(stdout);
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                ProcessGroup.Signal("TERM", _shell.Id);
                await _shell.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                await Poll.UntilAsync(() => ProcessGroup.Members(_shell.Id).Count == 0, TimeSpan.FromSeconds(60));
            }
            finally
            {
                if (ProcessGroup.Members(_shell.Id).Count > 0)
                    ProcessGroup.Signal("KILL", _shell.Id);
                _shell.Dispose();
                foreach (var mountPoint in _mountPoints.Where(d => !Directory.EnumerateFileSystemEntries(d).Any()))
                    Directory.Delete(mountPoint);
            }
        }

        private (string Stdout, string Stderr) NextOutputs()
        {
            var n = _next++;
            return (Path.Combine(_outputs, $"{n}.out"), Path.Combine(_outputs, $"{n}.err"));
        }

        private static string Read(string path) => File.Exists(path) ? File.ReadAllText(path) : "";
    }

    /// <summary>The stdout file of a background command, read afresh each time.</summary>
    private sealed class BackgroundOutput(string path)
    {
        public string Stdout => File.Exists(path) ? File.ReadAllText(path) : "";
    }
}
