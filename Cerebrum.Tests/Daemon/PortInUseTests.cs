using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Cerebrum.Daemon.CommandLine;

namespace Cerebrum.Tests.Daemon;

/// <summary>
/// A port in use stops cerebrumd with one clear line naming the address and the setting, not a stack trace (the stack
/// only at debug level). Run as a child process, since logs go to the process's real stderr.
/// </summary>
[TestFixture]
public sealed class PortInUseTests
{
    private TemporaryDirectory _directory = null!;
    private TcpListener _occupied = null!;

    private int Port => ((IPEndPoint)_occupied.LocalEndpoint).Port;

    [SetUp]
    public void SetUp()
    {
        _directory = TemporaryDirectory.Create();
        InitCommand.Run(new DataDirectory(_directory.Path), TextWriter.Null);
        _occupied = new TcpListener(IPAddress.Loopback, 0);
        _occupied.Start();
    }

    [TearDown]
    public void TearDown()
    {
        _occupied.Stop();
        _occupied.Dispose();
        _directory.Dispose();
    }

    [Test]
    public async Task TheListenPort_IsNamedInOneLine()
    {
        var (exitCode, stderr) = await RunAsync([], "--listen", $"/ip4/127.0.0.1/tcp/{Port}", "--admin-port", "0");

        Assert.That(exitCode, Is.EqualTo(1));
        AssertOneClearLine(stderr, $"error: cannot start: cannot listen on /ip4/127.0.0.1/tcp/{Port}: Address already in use");
    }

    [Test]
    public async Task TheAdminPort_IsNamedInOneLine()
    {
        var (exitCode, stderr) = await RunAsync([], "--listen", "/ip4/127.0.0.1/tcp/0", "--admin-port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.That(exitCode, Is.EqualTo(1));
        AssertOneClearLine(stderr, $"error: cannot start: admin API (Admin:Port, --admin-port): Failed to bind to address http://127.0.0.1:{Port}: address already in use.");
    }

    [Test]
    public async Task TheGatewayPort_IsNamedInOneLine_Once()
    {
        var (exitCode, stderr) = await RunAsync([], "--listen", "/ip4/127.0.0.1/tcp/0", "--admin-port", "0", "--mode", "gateway", "--http", $"127.0.0.1:{Port}");

        Assert.That(exitCode, Is.EqualTo(1));
        AssertOneClearLine(stderr, $"error: cannot start: gateway HTTP API (Gateway:Http, --http): Failed to bind to address http://127.0.0.1:{Port}: address already in use.");
    }

    [Test]
    public async Task AtDebugLevel_TheStackIsLogged()
    {
        var (exitCode, stderr) = await RunAsync([("CEREBRUM__Logging__LogLevel__Default", "Debug")], "--listen", $"/ip4/127.0.0.1/tcp/{Port}", "--admin-port", "0");

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(stderr, Does.Contain("Start-up failed").And.Contain("SocketException").And.Contain(" at "));
    }

    private static void AssertOneClearLine(string stderr, string expected)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.That(lines.Where(l => l.StartsWith("error:", StringComparison.Ordinal)), Is.EqualTo(new[] { expected }), stderr);
        Assert.That(stderr, Does.Not.Contain("Exception").And.Not.Contain(" at ").And.Not.Contain("fail:"), "no stack trace below debug level");
    }

    private async Task<(int ExitCode, string Stderr)> RunAsync((string Name, string Value)[] environment, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[Path.Combine(AppContext.BaseDirectory, "cerebrumd.dll"), "run", "--data-dir", _directory.Path, .. arguments])
            info.ArgumentList.Add(argument);
        foreach (var (name, value) in environment)
            info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
        await stdout;
        return (process.ExitCode, await stderr);
    }
}
