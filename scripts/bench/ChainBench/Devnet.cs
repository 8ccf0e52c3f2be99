using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cerebrum.Core.Crypto;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Bench.Chain;

/// <summary>
/// A local network of validator daemons made by <c>cerebrumd init --devnet N</c>, with the benchmark's sender accounts
/// funded in its genesis, each validator a real <c>cerebrumd run</c> process; admin API clients for each.
/// </summary>
public sealed class Devnet : IAsyncDisposable
{
    private readonly string _root;
    private readonly List<Process> _processes;
    private readonly bool _keep;

    private Devnet(string root, List<Process> processes, List<HttpClient> admins, bool keep)
    {
        _root = root;
        _keep = keep;
        _processes = processes;
        Admins = admins;
    }

    /// <summary>CPU time (user + system) the validator processes have used so far, together.</summary>
    public TimeSpan ValidatorCpuTime()
    {
        var total = TimeSpan.Zero;
        foreach (var process in _processes)
        {
            process.Refresh();
            total += process.TotalProcessorTime;
        }
        return total;
    }

    /// <summary>The devnet's directory: genesis.json, faucet.key and vK/ per validator.</summary>
    public string Root => _root;

    /// <summary>One admin client per validator (base address and cookie set).</summary>
    public IReadOnlyList<HttpClient> Admins { get; }

    public static async Task<Devnet> StartAsync(BenchOptions options, int validators, IReadOnlyList<PrivateKey> senders, CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("cerebrum-chain-bench-").FullName;
        var basePort = LoopbackPorts.FindFreeRange(validators);
        await RunToEndAsync(options.Cerebrumd, ["init", "--devnet", validators.ToString(CultureInfo.InvariantCulture), "--out", root, "--base-port", basePort.ToString(CultureInfo.InvariantCulture)], cancellationToken);

        var genesisPath = Path.Combine(root, "genesis.json");
        var genesis = JsonNode.Parse(File.ReadAllText(genesisPath))!.AsObject();
        var accounts = genesis["accounts"]!.AsArray();
        foreach (var sender in senders)
            accounts.Add(new JsonObject { ["peerId"] = sender.PeerId.ToString(), ["balance"] = 1_000_000_000_000UL });
        File.WriteAllText(genesisPath, genesis.ToJsonString());

        var processes = new List<Process>();
        var admins = new List<HttpClient>();
        try
        {
            for (var k = 0; k < validators; k++)
            {
                var directory = Path.Combine(root, "v" + k.ToString(CultureInfo.InvariantCulture));
                if (options.CommitDelay is { } delay)
                {
                    var configPath = Path.Combine(directory, "config.json");
                    var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
                    var chain = config["Chain"]?.AsObject() ?? [];
                    config["Chain"] = chain;
                    var consensus = chain["Consensus"]?.AsObject() ?? [];
                    chain["Consensus"] = consensus;
                    consensus["CommitDelay"] = delay.ToString("c", CultureInfo.InvariantCulture);
                    File.WriteAllText(configPath, config.ToJsonString());
                }
                options.PrepareValidator?.Invoke(k, directory);
                processes.Add(StartDaemon(options.Cerebrumd, directory));
            }
            for (var k = 0; k < validators; k++)
                admins.Add(await ConnectAdminAsync(Path.Combine(root, "v" + k.ToString(CultureInfo.InvariantCulture)), processes[k], cancellationToken));
            return new Devnet(root, processes, admins, options.Keep);
        }
        catch
        {
            await StopAsync(processes);
            throw;
        }
    }

    private static Process StartDaemon(string cerebrumd, string directory)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { cerebrumd, "run", "--data-dir", directory })
            start.ArgumentList.Add(arg);
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start cerebrumd");
        var log = new StreamWriter(Path.Combine(directory, "daemon.log")) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<HttpClient> ConnectAdminAsync(string directory, Process process, CancellationToken cancellationToken)
    {
        var urlPath = Path.Combine(directory, "admin.url");
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(urlPath))
        {
            if (process.HasExited)
                throw new InvalidOperationException($"cerebrumd in {directory} exited with {process.ExitCode}; see {Path.Combine(directory, "daemon.log")}");
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
                throw new TimeoutException($"cerebrumd in {directory} did not start within 60 s");
            await Task.Delay(50, cancellationToken);
        }
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 })
        {
            BaseAddress = new Uri(File.ReadAllText(urlPath).Trim()),
            Timeout = TimeSpan.FromSeconds(60),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(directory, ".cookie")).Trim());
        return client;
    }

    /// <summary>Waits until every validator has finalized at least <paramref name="height"/>.</summary>
    public async Task WaitForHeightAsync(ulong height, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        foreach (var admin in Admins)
        {
            while (await HeightAsync(admin, cancellationToken) < height)
            {
                if (deadline.Elapsed > timeout)
                    throw new TimeoutException($"the devnet did not reach height {height} within {timeout.TotalSeconds:0} s (see the daemon.log files)");
                await Task.Delay(50, cancellationToken);
            }
        }
    }

    public static async Task<ulong> HeightAsync(HttpClient admin, CancellationToken cancellationToken)
    {
        using var status = await admin.GetFromJsonAsync<JsonDocument>("chain/status", cancellationToken) ?? throw new InvalidDataException("empty status");
        return status.RootElement.GetProperty("height").GetUInt64();
    }

    private static async Task RunToEndAsync(string cerebrumd, string[] args, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(cerebrumd);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start cerebrumd");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"cerebrumd {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}{await stdout}");
    }

    private static async Task StopAsync(List<Process> processes)
    {
        foreach (var process in processes.Where(p => !p.HasExited))
        {
            try
            {
                using var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
                await term.WaitForExitAsync();
            }
            catch (System.ComponentModel.Win32Exception)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        foreach (var process in processes)
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
            process.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var admin in Admins) admin.Dispose();
        await StopAsync(_processes);
        if (_keep)
        {
            Console.Error.WriteLine($"kept the validators' directories and logs in {_root}");
            return;
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory.
        }
    }
}
