using System.Diagnostics;
using System.Text;
using Cerebrum.Daemon;
using Cerebrum.Daemon.CommandLine;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// A cerebrumd in a child process (the build's cerebrumd.dll run with dotnet), so that a test can kill it abruptly as a
/// crash or a pulled cable would: no graceful close, no drained jobs. Its stderr is kept for failure messages.
/// </summary>
internal sealed class DaemonProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private DaemonProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && line.StartsWith("listening ", StringComparison.Ordinal))
                _listening.TrySetResult(line["listening ".Length..]);
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
                lock (_stderr) if (_stderr.Length < 64 * 1024) _stderr.AppendLine(line);
        };
        _process.Exited += (_, _) => _listening.TrySetException(new InvalidOperationException($"cerebrumd exited at start-up: {Stderr}"));
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The first listen address with /p2p/&lt;peer-id&gt;, once the daemon printed it.</summary>
    public string ListenAddress { get; private set; } = "";

    public string Stderr
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    /// <summary>Initializes <paramref name="dataDirectory"/> when needed and runs <c>cerebrumd run</c> on it until it listens.</summary>
    public static async Task<DaemonProcess> StartAsync(string dataDirectory, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        InitCommand.Run(new DataDirectory(dataDirectory), TextWriter.Null);
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])[Path.Combine(AppContext.BaseDirectory, "cerebrumd.dll"), "run", "--data-dir", dataDirectory,
                     "--listen", "/ip4/127.0.0.1/tcp/0", "--admin-port", "0", .. arguments])
            info.ArgumentList.Add(arg);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.Start();
        var daemon = new DaemonProcess(process);
        try
        {
            daemon.ListenAddress = await daemon._listening.Task.WaitAsync(timeout);
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }
        return daemon;
    }

    /// <summary>Kills the process at once and waits for it to be gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }
}
