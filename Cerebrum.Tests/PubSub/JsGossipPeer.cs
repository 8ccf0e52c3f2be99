using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.PubSub;

/// <summary>
/// A js gossipsub peer (scripts/interop/gossip-peer.mjs) in a child process: JSON events on stdout, JSON commands
/// on stdin; closing stdin stops it.
/// </summary>
public sealed class JsGossipPeer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<JsonElement> _events = Channel.CreateUnbounded<JsonElement>();
    private readonly List<JsonElement> _all = [];
    private readonly Task _stdout;
    private readonly Task _stderr;
    private readonly System.Text.StringBuilder _errors = new();

    private JsGossipPeer(Process process)
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

    public string PeerId { get; private set; } = "";

    public string Address { get; private set; } = "";

    public string Stderr
    {
        get { lock (_errors) return _errors.ToString(); }
    }

    public IReadOnlyList<JsonElement> Events
    {
        get { lock (_all) return [.. _all]; }
    }

    /// <summary>Starts the peer and waits until it listens.</summary>
    public static async Task<JsGossipPeer> StartAsync(params string[] args)
    {
        if (!Directory.Exists(Path.Combine(ScriptDirectory, "node_modules")))
            Assert.Fail("scripts/interop/node_modules is missing: run `npm ci --prefix scripts/interop`");
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = ScriptDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("gossip-peer.mjs");
        foreach (var arg in args) info.ArgumentList.Add(arg);
        var peer = new JsGossipPeer(Process.Start(info) ?? throw new InvalidOperationException("could not start node"));
        try
        {
            var listening = await peer.WaitForAsync("listening", TimeSpan.FromSeconds(30));
            peer.PeerId = listening.GetProperty("peerId").GetString()!;
            peer.Address = listening.GetProperty("addrs")[0].GetString()!;
            return peer;
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
    }

    public async Task SendAsync(object command)
    {
        await _process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(command));
        await _process.StandardInput.FlushAsync();
    }

    public Task PublishAsync(string topic, string data) => SendAsync(new { cmd = "publish", topic, data });

    /// <summary>The first event named <paramref name="eventName"/> matching <paramref name="predicate"/>, including ones already seen.</summary>
    public async Task<JsonElement> WaitForAsync(string eventName, TimeSpan timeout, Func<JsonElement, bool>? predicate = null)
    {
        bool Matches(JsonElement e) =>
            e.TryGetProperty("event", out var name) && name.GetString() == eventName && (predicate is null || predicate(e));
        lock (_all)
            foreach (var e in _all)
                if (Matches(e)) return e;
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var item = await _events.Reader.ReadAsync(cts.Token);
                if (item.TryGetProperty("error", out var error))
                    Assert.Fail($"js gossip peer failed: {error}\n{Stderr}");
                if (Matches(item)) return item;
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"js gossip peer printed no matching '{eventName}' within {timeout.TotalSeconds} s. stderr:\n{Stderr}");
            throw;
        }
        catch (ChannelClosedException)
        {
            Assert.Fail($"js gossip peer exited before printing '{eventName}'. stderr:\n{Stderr}");
            throw;
        }
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
