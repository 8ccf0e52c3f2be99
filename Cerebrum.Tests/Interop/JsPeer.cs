using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Interop;

/// <summary>
/// A js-libp2p peer (scripts/interop/peer.mjs) in a child process. It prints one JSON object per line on stdout;
/// closing its stdin stops it.
/// </summary>
public sealed class JsPeer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<JsonElement> _events = Channel.CreateUnbounded<JsonElement>();
    private readonly List<JsonElement> _all = [];
    private readonly Task _stdout;
    private readonly Task _stderr;
    private readonly System.Text.StringBuilder _errors = new();

    private JsPeer(Process process)
    {
        _process = process;
        _stdout = Task.Run(ReadStdoutAsync);
        _stderr = Task.Run(async () =>
        {
            string? line;
            while ((line = await _process.StandardError.ReadLineAsync()) is not null)
                lock (_errors) if (_errors.Length < 64 * 1024) _errors.AppendLine(line);
        });
    }

    public static string ScriptDirectory => Path.Combine(RepositoryRoot.Path, "scripts", "interop");

    public string Stderr
    {
        get { lock (_errors) return _errors.ToString(); }
    }

    public IReadOnlyList<JsonElement> Events
    {
        get { lock (_all) return [.. _all]; }
    }

    public static JsPeer Start(params string[] args)
    {
        if (!Directory.Exists(Path.Combine(ScriptDirectory, "node_modules")))
            Assert.Fail("scripts/interop/node_modules is missing: run `npm ci --prefix scripts/interop` (scripts/test does)");
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = ScriptDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("peer.mjs");
        foreach (var arg in args) info.ArgumentList.Add(arg);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
        return new JsPeer(process);
    }

    /// <summary>Starts a listening js peer and waits for its "listening" line.</summary>
    public static async Task<(JsPeer Peer, JsonElement Listening)> ListenAsync(string key, string host = "127.0.0.1")
    {
        var peer = Start("listen", "--key", key, "--host", host, "--port", "0");
        try
        {
            var listening = await peer.WaitForAsync("listening", TimeSpan.FromSeconds(30));
            return (peer, listening);
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs a dial action to completion and returns its exit code and events.</summary>
    public static async Task<(int ExitCode, IReadOnlyList<JsonElement> Events, string Stderr)> DialAsync(string key, string address, TimeSpan timeout, params string[] action)
    {
        await using var peer = Start(["dial", "--key", key, "--addr", address, .. action]);
        var exit = await peer.WaitForExitAsync(timeout);
        return (exit, peer.Events, peer.Stderr);
    }

    public async Task<JsonElement> WaitForAsync(string eventName, TimeSpan timeout, Func<JsonElement, bool>? predicate = null)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var item = await _events.Reader.ReadAsync(cts.Token);
                if (item.TryGetProperty("error", out var error))
                    Assert.Fail($"js peer failed: {error}\n{Stderr}");
                if (item.TryGetProperty("event", out var name) && name.GetString() == eventName && (predicate is null || predicate(item)))
                    return item;
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"js peer printed no '{eventName}' event within {timeout.TotalSeconds} s. stderr:\n{Stderr}");
            throw;
        }
        catch (ChannelClosedException)
        {
            Assert.Fail($"js peer exited before printing '{eventName}' (exit {(_process.HasExited ? _process.ExitCode : -1)}). stderr:\n{Stderr}");
            throw;
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"js peer did not exit within {timeout.TotalSeconds} s. stderr:\n{Stderr}");
        }
        await _stdout;
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.StandardInput.Close();
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        try
        {
            await Task.WhenAll(_stdout, _stderr).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            // The pipes stay open only if a grandchild kept them; the process itself is gone.
        }
        _process.Dispose();
    }

    private async Task ReadStdoutAsync()
    {
        string? line;
        while ((line = await _process.StandardOutput.ReadLineAsync()) is not null)
        {
            if (!line.StartsWith('{')) continue;
            try
            {
                var element = JsonDocument.Parse(line).RootElement.Clone();
                lock (_all) _all.Add(element);
                _events.Writer.TryWrite(element);
            }
            catch (JsonException)
            {
                lock (_errors) _errors.AppendLine("unparsable stdout line: " + line);
            }
        }
        _events.Writer.TryComplete();
    }
}
