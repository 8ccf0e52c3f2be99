using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.ExceptionServices;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cerebrum.Core.Chain.Genesis;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Store;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Crypto;
using Cerebrum.Daemon.Admin;
using Cerebrum.Daemon.CommandLine;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.TestSupport;
using Cerebrum.Tests.TestSupport.Netns;
using Google.Protobuf;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// A devnet of real <c>cerebrumd</c> processes on 127.0.0.1, made by <c>cerebrumd init --devnet N</c> on free ports,
/// with short consensus timeouts and sync interval; each process can be killed (SIGTERM or SIGKILL) and restarted on
/// its data directory. Standard error of each process goes to <c>DIR/vK/stderr.log</c> for diagnosis.
/// </summary>
internal sealed class ChainDevnet : IAsyncDisposable
{
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly TemporaryDirectory _directory;
    private readonly Dictionary<string, DaemonProcess> _running = [];

    private ChainDevnet(TemporaryDirectory directory, int count)
    {
        _directory = directory;
        Count = count;
    }

    public int Count { get; }

    /// <summary>The devnet's directory: a subdirectory of the temporary one, since init refuses an existing directory's validators.</summary>
    public string Root => Path.Combine(_directory.Path, "devnet");

    /// <summary>A fresh directory next to the devnet, e.g. for a non-validator daemon.</summary>
    public string NewDirectory(string name) => Directory.CreateDirectory(Path.Combine(_directory.Path, name)).FullName;

    public string GenesisPath => Path.Combine(Root, "genesis.json");

    public string DataDirectory(int k) => Path.Combine(Root, "v" + k.ToString(CultureInfo.InvariantCulture));

    public PrivateKey LoadFaucet() => KeyFile.Load(Path.Combine(Root, DevnetInitializer.FaucetKeyFileName));

    /// <summary>
    /// What validator <paramref name="k"/>'s <c>chain.db</c> holds, read by opening the store directly (the daemon must
    /// be stopped): its height, last block hash and state root, in the admin API's hex.
    /// </summary>
    public StoredHead ReadStore(int k)
    {
        using var store = ChainStore.Open(DataDirectory(k), GenesisDocument.Load(GenesisPath));
        return new StoredHead(store.Head.Height, Convert.ToHexStringLower(store.Head.LastHash), Convert.ToHexStringLower(store.Head.StateRoot));
    }

    internal sealed record StoredHead(ulong Height, string LastHash, string StateRoot);

    /// <summary>Initializes the devnet (not started) with timing for tests.</summary>
    public static async Task<ChainDevnet> CreateAsync(int count)
    {
        var directory = TemporaryDirectory.Create();
        var root = Path.Combine(directory.Path, "devnet");
        var (exit, stdout, stderr) = await RunCerebrumdAsync(["init", "--devnet", count.ToString(CultureInfo.InvariantCulture), "--out", root,
            "--base-port", LoopbackPorts.FindFreeRange(count).ToString(CultureInfo.InvariantCulture)]);
        Assert.That(exit, Is.Zero, stdout + stderr);
        var devnet = new ChainDevnet(directory, count);
        for (var k = 0; k < count; k++) TuneForTests(Path.Combine(devnet.DataDirectory(k), "config.json"));
        return devnet;
    }

    /// <summary>Starts <c>cerebrumd run --data-dir DIR</c> (plus <paramref name="extraArgs"/>) and waits for its listening line.</summary>
    public async Task<DaemonProcess> StartAsync(string dataDirectory, params string[] extraArgs)
    {
        if (_running.Remove(dataDirectory, out var previous)) await previous.DisposeAsync();
        var process = await DaemonProcess.StartAsync(dataDirectory, extraArgs);
        _running[dataDirectory] = process;
        return process;
    }

    public Task<DaemonProcess> StartValidatorAsync(int k) => StartAsync(DataDirectory(k));

    public DaemonProcess Validator(int k) => _running[DataDirectory(k)];

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _running.Values) await process.DisposeAsync();
        _directory.Dispose();
    }

    /// <summary>A signed transfer from <paramref name="sender"/> on the devnet's chain.</summary>
    public static byte[] Transfer(PrivateKey sender, PeerId to, ulong amount, ulong nonce, ulong fee = 1) =>
        TransactionCodec.Sign(sender, new Transaction
        {
            ChainId = DevnetInitializer.ChainId,
            SenderPublicKey = ByteString.CopyFrom(sender.PublicKey.ToProtobuf()),
            Nonce = nonce,
            Fee = fee,
            Transfer = new Core.Chain.Proto.Transfer { To = ByteString.CopyFrom(to.Bytes.Span), Amount = amount },
        });

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunCerebrumdAsync(string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CerebrumdCommandLine.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    // Short timeouts, a short commit delay and frequent sync so that the scenarios run in seconds.
    private static void TuneForTests(string configPath)
    {
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        var chain = config["Chain"]!.AsObject();
        chain["SyncInterval"] = "00:00:01";
        var consensus = chain["Consensus"]!.AsObject();
        consensus["ProposeTimeout"] = "00:00:00.500";
        consensus["ProposeTimeoutDelta"] = "00:00:00.100";
        consensus["PrevoteTimeout"] = "00:00:00.200";
        consensus["PrevoteTimeoutDelta"] = "00:00:00.100";
        consensus["PrecommitTimeout"] = "00:00:00.200";
        consensus["PrecommitTimeoutDelta"] = "00:00:00.100";
        consensus["CommitDelay"] = "00:00:00.200";
        consensus["RebroadcastInterval"] = "00:00:00.500";
        config["Network"]!.AsObject()["DialBackoffBase"] = "00:00:00.500";
        config["Network"]!.AsObject()["DialBackoffMax"] = "00:00:01";
        File.WriteAllText(configPath, config.ToJsonString());
    }

    /// <summary>One <c>cerebrumd run</c> process and an admin client for it.</summary>
    internal sealed class DaemonProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StreamWriter _stderr;
        private readonly HttpClient _http;

        private DaemonProcess(string dataDirectory, Process process, StreamWriter stderr, string listenAddress, NetworkNamespace? space)
        {
            DataDirectory = dataDirectory;
            _process = process;
            _stderr = stderr;
            ListenAddress = listenAddress;
            _http = new HttpClient(AdminHandler(space)) { BaseAddress = new Uri(File.ReadAllText(Path.Combine(dataDirectory, "admin.url")).Trim()), Timeout = RequestTimeout };
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(dataDirectory, ".cookie")).Trim());
        }

        public string DataDirectory { get; }

        public string ListenAddress { get; }

        public bool HasExited => _process.HasExited;

        /// <summary>The process's id (for a test that signals it).</summary>
        public int ProcessId => _process.Id;

        /// <param name="space">The network namespace to run in (<c>ip netns exec</c>, at nice -10); its admin API is then reached through a socket in it.</param>
        public static async Task<DaemonProcess> StartAsync(string dataDirectory, string[] extraArgs, NetworkNamespace? space = null)
        {
            // In a namespace the daemon stands for a machine of its own: nice -10 keeps the machine's unrelated load (other
            // builds and tests) from adding milliseconds to the round trips the multi-host tests measure.
            string[] launcher = space is null ? ["dotnet"] : ["ip", "netns", "exec", space.Name, "nice", "-n", "-10", "dotnet"];
            var start = new ProcessStartInfo(launcher[0])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in launcher[1..].Concat([Path.Combine(AppContext.BaseDirectory, "cerebrumd.dll"), "run", "--data-dir", dataDirectory]).Concat(extraArgs))
                start.ArgumentList.Add(arg);
            var stderr = new StreamWriter(Path.Combine(dataDirectory, "stderr.log"), append: true) { AutoFlush = true };
            var process = Process.Start(start)!;
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (stderr) stderr.WriteLine(e.Data);
            };
            process.BeginErrorReadLine();
            try
            {
                var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
                if (line is null || !line.StartsWith("listening ", StringComparison.Ordinal))
                    Assert.Fail($"cerebrumd on {dataDirectory} did not start (exit {(process.HasExited ? process.ExitCode : -1)}): {line}; see {dataDirectory}/stderr.log");
                return new DaemonProcess(dataDirectory, process, stderr, line!["listening ".Length..], space);
            }
            catch
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                process.Dispose();
                await stderr.DisposeAsync();
                throw;
            }
        }

        /// <summary>The authenticated client of the daemon's admin API (owned by this object), for endpoints this class has no method for.</summary>
        public HttpClient Admin => _http;

        // The admin API listens on the namespace's own 127.0.0.1: connect from a socket made inside it.
        private static SocketsHttpHandler AdminHandler(NetworkNamespace? space) => space is null ? new SocketsHttpHandler() : space.CreateHttpHandler();

        public async Task<ChainStatusResponse> StatusAsync() =>
            (await _http.GetFromJsonAsync<ChainStatusResponse>("chain/status", Json))!;

        public async Task<ChainBlockResponse?> BlockAsync(ulong height)
        {
            using var response = await _http.GetAsync(new Uri("chain/blocks/" + height.ToString(CultureInfo.InvariantCulture), UriKind.Relative));
            if (response.StatusCode == HttpStatusCode.NotFound) return null;
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadFromJsonAsync<ChainBlockResponse>(Json);
        }

        public async Task<ChainAccountResponse> AccountAsync(PeerId id) =>
            (await _http.GetFromJsonAsync<ChainAccountResponse>("chain/accounts/" + id, Json))!;

        public async Task<HttpResponseMessage> SubmitAsync(byte[] transaction)
        {
            using var content = new ByteArrayContent(transaction);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return await _http.PostAsync(new Uri("chain/txs", UriKind.Relative), content);
        }

        /// <summary>Polls the height until <paramref name="condition"/> holds (a failing request counts as not yet).</summary>
        public async Task<ulong> WaitForHeightAsync(Func<ulong, bool> condition, TimeSpan timeout) =>
            (await Poll.UntilAsync(HeightOrNullAsync, h => h is { } height && condition(height), timeout,
                h => $"{DataDirectory} at height {(h is { } height ? height.ToString(CultureInfo.InvariantCulture) : "unknown (no answer)")}"))!.Value;

        private async Task<ulong?> HeightOrNullAsync()
        {
            try
            {
                return (await StatusAsync()).Height;
            }
            catch (HttpRequestException)
            {
                return null; // starting or busy: try again
            }
        }

        /// <summary>SIGKILL right now, from the calling thread (for kills timed to the microsecond); <see cref="StopAsync"/> waits for the exit.</summary>
        public void KillNow() => _process.Kill();

        /// <summary>SIGKILL (no shutdown at all) or SIGTERM (graceful), then waits for the exit.</summary>
        public async Task StopAsync(bool kill)
        {
            if (kill)
            {
                if (!_process.HasExited) _process.Kill();
            }
            else
            {
                using var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])!;
                await term.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        public async ValueTask DisposeAsync()
        {
            ExceptionDispatchInfo? supplyChanged = null;
            if (!_process.HasExited)
            {
                try
                {
                    await SupplyInvariant.CheckDaemonAsync(_http, DataDirectory);
                }
                catch (AssertionException e)
                {
                    // Reported once the process is gone, so a failed check never leaves a daemon running.
                    supplyChanged = ExceptionDispatchInfo.Capture(e);
                }
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
            _process.Dispose();
            _http.Dispose();
            lock (_stderr) _stderr.Dispose();
            supplyChanged?.Throw();
        }
    }
}
