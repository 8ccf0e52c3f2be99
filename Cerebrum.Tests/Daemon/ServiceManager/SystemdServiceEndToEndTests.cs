using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Cerebrum.Daemon.CommandLine;
using Cerebrum.Tests.TestSupport;
using DataDirectory = Cerebrum.Core.Operator.DataDirectory;

namespace Cerebrum.Tests.Daemon.ServiceManager;

/// <summary>
/// cerebrumd as systemd runs it: a real process told where to notify (NOTIFY_SOCKET) and to feed a watchdog
/// (WATCHDOG_USEC), with this test playing the service manager; and the shipped unit file's command lines.
/// </summary>
[TestFixture]
public sealed partial class SystemdServiceEndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [GeneratedRegex(@"^<6>Cerebrum\.Core\.Network\.PeerHost\[0\] Listening on /ip4/127\.0\.0\.1/tcp/\d+/p2p/", RegexOptions.Multiline)]
    private static partial Regex JournalListeningLine();

    [Test]
    [Platform("Linux", Reason = "sd_notify is a Linux protocol")]
    public async Task Daemon_SaysReadyOnceItListens_FeedsTheWatchdog_AndSaysStoppingOnSigterm()
    {
        using var directory = TemporaryDirectory.Create();
        var data = new DataDirectory(Path.Combine(directory.Path, "data"));
        await InitCommandTests.RunAsync("init", "--data-dir", data.Root);
        using var manager = new NotifySocketReceiver(Path.Combine(directory.Path, "notify"));

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "cerebrumd.dll"), "run", "--data-dir", data.Root,
                     "--listen", "/ip4/127.0.0.1/tcp/0", "--admin-port", "0" })
            start.ArgumentList.Add(arg);
        start.Environment["NOTIFY_SOCKET"] = manager.Name;
        start.Environment["WATCHDOG_USEC"] = "300000";
        // As the journal would want it: syslog priorities, no timestamps of our own.
        start.Environment["CEREBRUM__Logging__Console__FormatterName"] = "systemd";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            var ready = await manager.ReceiveUntilAsync("READY=1", Timeout);
            Assert.That(File.Exists(data.AdminUrlPath), Is.True, "READY=1 comes after admin.url is written");
            Assert.That(File.Exists(data.CookiePath), Is.True, "READY=1 comes after the admin cookie is written");
            Assert.That(ready, Does.Match(@"(^|\n)STATUS=listening on /ip4/127\.0\.0\.1/tcp/\d+/p2p/\S+; admin API http://127\.0\.0\.1:\d+/\n"));

            // Fed every 150 ms (half of WATCHDOG_USEC): two more within the timeout.
            await manager.ReceiveUntilAsync("WATCHDOG=1", Timeout);
            await manager.ReceiveUntilAsync("WATCHDOG=1", Timeout);

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
                await kill.WaitForExitAsync().WaitAsync(Timeout);
            var stopping = await manager.ReceiveUntilAsync("STOPPING=1", Timeout);
            Assert.That(stopping, Does.Contain("STATUS=stopping"));
            await process.WaitForExitAsync().WaitAsync(Timeout);
            var errors = await stderr.WaitAsync(Timeout);
            Assert.That(process.ExitCode, Is.Zero, errors);
            Assert.That(await stdout.WaitAsync(Timeout), Does.StartWith("listening /ip4/127.0.0.1/tcp/"));
            Assert.That(JournalListeningLine().IsMatch(errors), Is.True, errors);
            Assert.That(errors, Does.Contain("Feeding the systemd watchdog every 150 ms"));
            Assert.That(errors, Does.Not.Contain("Cannot notify"));
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
    }

    [Test]
    [Platform("Linux", Reason = "sd_notify is a Linux protocol")]
    public async Task Daemon_WithAMalformedNotifySocket_LogsWhy_AndRunsAnyway()
    {
        using var directory = TemporaryDirectory.Create();
        var data = new DataDirectory(directory.Path);
        await InitCommandTests.RunAsync("init", "--data-dir", data.Root);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "cerebrumd.dll"), "run", "--data-dir", data.Root,
                     "--listen", "/ip4/127.0.0.1/tcp/0", "--admin-port", "0" })
            start.ArgumentList.Add(arg);
        start.Environment["NOTIFY_SOCKET"] = "relative/notify";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(Timeout);
            Assert.That(line, Does.StartWith("listening /ip4/127.0.0.1/tcp/"));
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
                await kill.WaitForExitAsync().WaitAsync(Timeout);
            await process.WaitForExitAsync().WaitAsync(Timeout);
            var errors = await stderr.WaitAsync(Timeout);
            Assert.That(process.ExitCode, Is.Zero, errors);
            Assert.That(errors, Does.Contain("systemd: NOTIFY_SOCKET must be an absolute socket path").And.Contain("not notifying the service manager"));
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>The unit's command lines must stay valid cerebrumd command lines as options change.</summary>
    [Test]
    public void UnitFile_CommandLines_ParseAsCerebrumdCommands_AndTheUnitWaitsForReady()
    {
        var unit = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "scripts", "packaging", "cerebrumd.service"));
        var commands = unit.Where(line => line.StartsWith("ExecStart", StringComparison.Ordinal)).ToList();
        Assert.That(commands.Select(c => c[..c.IndexOf('=', StringComparison.Ordinal)]), Is.EquivalentTo(new[] { "ExecStartPre", "ExecStart" }));
        foreach (var command in commands)
        {
            var words = command[(command.IndexOf('=', StringComparison.Ordinal) + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(words[0], Is.EqualTo("/opt/cerebrum/cerebrumd"), "install-systemd puts the daemon there");
            var parse = CerebrumdCommandLine.CreateRootCommand().Parse(words[1..]);
            Assert.That(parse.Errors.Select(e => e.Message), Is.Empty, command);
            Assert.That(parse.CommandResult.Command.Name, Is.AnyOf("init", "run"), command);
        }
        Assert.That(unit, Does.Contain("Type=notify"), "the daemon sends READY=1; a simple unit would count it started too early");
        Assert.That(unit.Any(l => l.StartsWith("WatchdogSec=", StringComparison.Ordinal)), Is.True);
        var stopTimeout = unit.Single(l => l.StartsWith("TimeoutStopSec=", StringComparison.Ordinal));
        Assert.That(int.Parse(stopTimeout["TimeoutStopSec=".Length..].TrimEnd('s'), CultureInfo.InvariantCulture),
            Is.GreaterThan(new Cerebrum.Daemon.Configuration.ShutdownOptions().Timeout.TotalSeconds),
            "systemd must not kill the daemon while it drains within its own shutdown timeout");
    }
}
