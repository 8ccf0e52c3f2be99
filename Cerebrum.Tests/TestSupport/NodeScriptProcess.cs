using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Cerebrum.Tests.TestSupport;

/// <summary>
/// A Node.js script from scripts/interop in a child process that prints one JSON object per line on stdout and
/// stops when its stdin closes. Shared by the js-libp2p and js-gossipsub interop peers.
/// </summary>
public sealed class NodeScriptProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _name;
    private readonly Channel<JsonElement> _events = Channel.CreateUnbounded<JsonElement>();
    private readonly List<JsonElement> _all = [];
    private readonly Task _stdout;
    private readonly Task _stderr;
    private readonly StringBuilder _errors = new();

    private NodeScriptProcess(Process process, string name)
    {
        _process = process;
        _name = name;
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

    public int ExitCode => _process.ExitCode;

    public static NodeScriptProcess Start(string script, IEnumerable<string> args) => Start(script, args, space: null);

    /// <param name="space">The network namespace to run in (<c>ip netns exec</c>), or null for this process's.</param>
    internal static NodeScriptProcess Start(string script, IEnumerable<string> args, Netns.NetworkNamespace? space)
    {
        if (!Directory.Exists(Path.Combine(ScriptDirectory, "node_modules")))
            Assert.Fail("scripts/interop/node_modules is missing: run `npm ci --prefix scripts/interop` (scripts/test does)");
        var info = new ProcessStartInfo(space is null ? "node" : "ip")
        {
            WorkingDirectory = ScriptDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (space is not null)
        {
            foreach (var arg in new[] { "netns", "exec", space.Name, "node" }) info.ArgumentList.Add(arg);
        }
        info.ArgumentList.Add(script);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        return new NodeScriptProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start node"), script);
    }

    /// <summary>Writes one line (a JSON command) to the script's stdin.</summary>
    public async Task SendLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Closes the script's stdin (scripts that read all of it then answer, or stop at its end).</summary>
    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>The first event named <paramref name="eventName"/> matching <paramref name="predicate"/>, including ones already printed.</summary>
    public async Task<JsonElement> WaitForAsync(string eventName, TimeSpan timeout, Func<JsonElement, bool>? predicate = null)
    {
        bool Matches(JsonElement e) =>
            e.TryGetProperty("event", out var name) && name.GetString() == eventName && (predicate is null || predicate(e));
        lock (_all)
        {
            foreach (var e in _all)
                if (Matches(e)) return e;
        }
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var item = await _events.Reader.ReadAsync(cts.Token);
                if (item.TryGetProperty("error", out var error))
                    Assert.Fail($"{_name} failed: {error}\n{Stderr}");
                if (Matches(item)) return item;
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{_name} printed no matching '{eventName}' event within {timeout.TotalSeconds} s. stderr:\n{Stderr}");
            throw;
        }
        catch (ChannelClosedException)
        {
            Assert.Fail($"{_name} exited before printing '{eventName}' (exit {(_process.HasExited ? _process.ExitCode : -1)}). stderr:\n{Stderr}");
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
            Assert.Fail($"{_name} did not exit within {timeout.TotalSeconds} s. stderr:\n{Stderr}");
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
            // Only a grandchild could keep the pipes open; the process itself is gone.
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
