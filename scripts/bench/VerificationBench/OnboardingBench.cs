using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cerebrum.Bench.Chain;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Verification;
using Google.Protobuf;

namespace Cerebrum.Bench.Verification;

/// <summary>
/// Time from RegisterNode to Active on a devnet of validator processes (default verification settings): node processes
/// funded in the genesis register at once, each claiming half this machine's measured throughput; the time is from the
/// transaction's submission to the first poll (every 50 ms) of validator 0 that shows the node Active.
/// </summary>
internal static class OnboardingBench
{
    public static async Task<double[]> RunAsync(string cerebrumd, int validators, int nodes, CancellationToken ct)
    {
        var root = Directory.CreateTempSubdirectory("cerebrum-verification-bench-").FullName;
        var processes = new List<Process>();
        try
        {
            var keys = new List<PrivateKey>();
            for (var n = 0; n < nodes; n++)
            {
                var data = Path.Combine(root, "node" + n.ToString(CultureInfo.InvariantCulture));
                await RunToEndAsync(cerebrumd, ["init", "--data-dir", data], ct);
                keys.Add(KeyFile.Load(Path.Combine(data, "identity.key")));
            }
            // Half of what this machine measured: the nodes and validators share it, so the checks see less than an idle
            // machine's rate, and a node claiming all of it would fail and wait for its next random check.
            var claim = ChallengeBenchmark.MeasureMflops(ChallengeDevice.Cpu, ChallengeBenchmark.ShapeFor(gpu: false), ct: ct) / 2;
            await using var devnet = await Devnet.StartAsync(new BenchOptions { Cerebrumd = cerebrumd }, validators, keys, ct);
            await devnet.WaitForHeightAsync(2, TimeSpan.FromSeconds(120), ct);
            var validator0 = Path.Combine(devnet.Root, "v0");
            using var validatorKey = KeyFile.Load(Path.Combine(validator0, "identity.key"));
            var listen = JsonNode.Parse(File.ReadAllText(Path.Combine(validator0, "config.json")))!["Network"]!["ListenAddresses"]![0]!.GetValue<string>();
            for (var n = 0; n < nodes; n++)
            {
                var data = Path.Combine(root, "node" + n.ToString(CultureInfo.InvariantCulture));
                File.Copy(Path.Combine(devnet.Root, "genesis.json"), Path.Combine(data, "genesis.json"));
                processes.Add(Start(cerebrumd, ["run", "--data-dir", data, "--mode", "node", "--listen", "/ip4/127.0.0.1/tcp/0", "--admin-port", "0",
                    "--bootstrap", $"{listen}/p2p/{validatorKey.PeerId}"], data));
            }
            var admin = devnet.Admins[0];
            var submitted = new Stopwatch[nodes];
            for (var n = 0; n < nodes; n++)
            {
                var tx = TransactionCodec.Sign(keys[n], new Transaction
                {
                    ChainId = "cerebrum-devnet",
                    SenderPublicKey = ByteString.CopyFrom(keys[n].PublicKey.ToProtobuf()),
                    Nonce = 0,
                    Fee = 1,
                    RegisterNode = new RegisterNode { Stake = 1_000_000, Hardware = "bench cpu", Region = "eu-west", ClaimedMflops = claim },
                });
                using var content = new ByteArrayContent(tx);
                content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
                using var response = await admin.PostAsync(new Uri("chain/txs", UriKind.Relative), content, ct);
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"RegisterNode refused: {await response.Content.ReadAsStringAsync(ct)}");
                submitted[n] = Stopwatch.StartNew();
            }
            var times = new double?[nodes];
            var deadline = Stopwatch.StartNew();
            while (times.Any(t => t is null))
            {
                if (deadline.Elapsed > TimeSpan.FromMinutes(5)) throw new TimeoutException("nodes did not become Active within 5 minutes (see the logs in " + root + ")");
                for (var n = 0; n < nodes; n++)
                {
                    if (times[n] is not null) continue;
                    using var response = await admin.GetAsync(new Uri($"chain/nodes/{keys[n].PeerId}", UriKind.Relative), ct);
                    if (!response.IsSuccessStatusCode) continue;
                    using var node = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
                    if (node.RootElement.GetProperty("state").GetString() == "active") times[n] = submitted[n].Elapsed.TotalSeconds;
                }
                await Task.Delay(50, ct);
            }
            foreach (var key in keys) key.Dispose();
            return [.. times.Select(t => t!.Value).Order()];
        }
        finally
        {
            foreach (var process in processes)
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
                process.Dispose();
            }
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Starts cerebrumd; its output goes to <paramref name="logDirectory"/>/daemon.log, or nowhere.</summary>
    internal static Process Start(string cerebrumd, string[] args, string? logDirectory)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(cerebrumd);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start cerebrumd");
        var log = logDirectory is null ? StreamWriter.Null : new StreamWriter(Path.Combine(logDirectory, "daemon.log")) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    internal static async Task RunToEndAsync(string cerebrumd, string[] args, CancellationToken ct)
    {
        using var process = Start(cerebrumd, args, logDirectory: null);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0) throw new InvalidOperationException($"cerebrumd {string.Join(' ', args)} exited with {process.ExitCode}");
    }
}
