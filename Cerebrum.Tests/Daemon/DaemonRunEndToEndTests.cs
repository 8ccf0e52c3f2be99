using System.Diagnostics;
using System.Text.RegularExpressions;
using Cerebrum.Core.Crypto;
using Cerebrum.Daemon.CommandLine;
using Cerebrum.Tests.Cli;
using DataDirectory = Cerebrum.Core.Operator.DataDirectory;

namespace Cerebrum.Tests.Daemon;

/// <summary>`cerebrumd run` as a whole: the listening lines, serving peers, and the graceful stop, in-process and as a real process.</summary>
[TestFixture]
public sealed partial class DaemonRunEndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [GeneratedRegex(@"^listening (/ip4/127\.0\.0\.1/tcp/(\d+))/p2p/(\S+)$")]
    private static partial Regex ListeningLine();

    [Test]
    public async Task Run_PrintsTheListeningLineWithTheActualPort_AndStopsWithExitCode0()
    {
        using var directory = TemporaryDirectory.Create();
        var data = new DataDirectory(directory.Path);
        await InitCommandTests.RunAsync("init", "--data-dir", data.Root);
        using var key = KeyFile.Load(data.KeyPath);
        using var stop = new CancellationTokenSource(Timeout);
        await using var stdout = new LineWaitingWriter();
        using var stderr = new StringWriter();

        var run = CerebrumdCommandLine.RunAsync(["run", "--data-dir", data.Root, "--listen", "/ip4/127.0.0.1/tcp/0"], stdout, stderr, stop.Token);
        var line = await stdout.WaitForLineAsync(l => l.StartsWith("listening ", StringComparison.Ordinal), Timeout);

        var match = ListeningLine().Match(line);
        Assert.That(match.Success, Is.True, line);
        Assert.That(int.Parse(match.Groups[2].Value), Is.GreaterThan(0));
        Assert.That(match.Groups[3].Value, Is.EqualTo(key.PeerId.ToString()));
        Assert.That(File.Exists(data.AdminUrlPath), Is.True, "admin.url is written before the listening line");

        var (pingExit, pong, pingError) = await CliHelpTests.RunAsync("net", "ping", line["listening ".Length..], "--count", "1");
        Assert.That(pingExit, Is.Zero, pingError);
        Assert.That(pong, Does.StartWith($"pong from {key.PeerId} time="));

        await stop.CancelAsync();
        Assert.That(await run.WaitAsync(Timeout), Is.Zero, stderr.ToString());
        Assert.That(stdout.Lines, Has.All.StartsWith("listening "), "stdout carries only listening lines");
        Assert.That(File.Exists(data.CookiePath), Is.False);
    }

    [Test]
    [Platform(Exclude = "Win")]
    public async Task DaemonProcess_ServesPeers_AndExits0OnSigterm()
    {
        using var directory = TemporaryDirectory.Create();
        var data = new DataDirectory(directory.Path);
        await InitCommandTests.RunAsync("init", "--data-dir", data.Root);
        var daemonDll = Path.Combine(AppContext.BaseDirectory, "cerebrumd.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { daemonDll, "run", "--data-dir", data.Root, "--listen", "/ip4/127.0.0.1/tcp/0" })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(Timeout);
            Assert.That(line, Is.Not.Null, await DrainAsync(stderr));
            Assert.That(ListeningLine().IsMatch(line!), Is.True, line);

            var (exitCode, stdout, error) = await CliHelpTests.RunAsync("status", "--data-dir", data.Root);
            Assert.That(exitCode, Is.Zero, error);
            Assert.That(stdout, Does.Contain(line!["listening ".Length..]));

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                await kill.WaitForExitAsync().WaitAsync(Timeout);
            await process.WaitForExitAsync().WaitAsync(Timeout);

            Assert.That(process.ExitCode, Is.Zero, await DrainAsync(stderr));
            Assert.That(File.Exists(data.CookiePath), Is.False, "the cookie is removed at shutdown");
            Assert.That(File.Exists(data.AdminUrlPath), Is.False, "admin.url is removed at shutdown");
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
    }

    private static async Task<string> DrainAsync(Task<string> stderr) =>
        await Task.WhenAny(stderr, Task.Delay(TimeSpan.FromSeconds(5))) == stderr ? await stderr : "(stderr still open)";
}
