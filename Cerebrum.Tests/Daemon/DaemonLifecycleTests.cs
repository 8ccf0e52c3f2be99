using Cerebrum.Daemon;

namespace Cerebrum.Tests.Daemon;

[TestFixture]
public sealed class DaemonLifecycleTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Stop_RemovesCookieAndAdminUrl()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var daemon = await TestDaemon.StartAsync(timeout.Token);
        var data = daemon.Data;
        Assert.That(File.Exists(data.CookiePath), Is.True);
        Assert.That(File.Exists(data.AdminUrlPath), Is.True);

        await daemon.Application.StopAsync().WaitAsync(Timeout);

        Assert.That(File.Exists(data.CookiePath), Is.False);
        Assert.That(File.Exists(data.AdminUrlPath), Is.False);
        await daemon.DisposeAsync();
    }

    [Test]
    public async Task SecondDaemonOnTheSameDataDirectory_IsRefused()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await using var daemon = await TestDaemon.StartAsync(timeout.Token);
        var cookie = File.ReadAllText(daemon.Data.CookiePath);

        var (exitCode, _, stderr) = await InitCommandTests.RunAsync("run", "--data-dir", daemon.Data.Root, "--listen", "/ip4/127.0.0.1/tcp/0");

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.Contain("already running"));
        Assert.That(File.ReadAllText(daemon.Data.CookiePath), Is.EqualTo(cookie), "the running daemon's cookie is untouched");
    }

    [Test]
    public async Task EachStart_WritesAFreshCookie()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        using var directory = TemporaryDirectory.Create();
        var cookiePath = new DataDirectory(directory.Path).CookiePath;
        string first, second;
        await using (var daemon = await TestDaemon.StartAsync(timeout.Token, directory.Path))
            first = File.ReadAllText(cookiePath);
        await using (var daemon = await TestDaemon.StartAsync(timeout.Token, directory.Path))
            second = File.ReadAllText(cookiePath);

        Assert.That(second, Is.Not.EqualTo(first).And.Match("^[0-9a-f]{64}$"));
    }

    [Test]
    public async Task StaleCookieFromACrashedRun_IsReplaced()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        using var directory = TemporaryDirectory.Create();
        var data = new DataDirectory(directory.Path);
        File.WriteAllText(data.CookiePath, "stale");

        await using var daemon = await TestDaemon.StartAsync(timeout.Token, directory.Path);

        Assert.That(File.ReadAllText(data.CookiePath), Does.Match("^[0-9a-f]{64}$"));
    }

    [Test]
    public async Task Run_WithTheAdminPortInUse_FailsWithOneClearLineAndCleansUp()
    {
        using var directory = TemporaryDirectory.Create();
        var data = new DataDirectory(directory.Path);
        await InitCommandTests.RunAsync("init", "--data-dir", data.Root);
        using var busy = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        busy.Start();
        var port = ((System.Net.IPEndPoint)busy.LocalEndpoint).Port;

        var (exitCode, stdout, stderr) = await InitCommandTests.RunAsync(
            "run", "--data-dir", data.Root, "--listen", "/ip4/127.0.0.1/tcp/0", "--admin-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr, Does.StartWith("error: cannot start: ").And.Contain(port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(File.Exists(data.CookiePath), Is.False, "a failed start leaves no cookie behind");
    }

    [Test]
    public async Task Run_WithThePeerPortInUse_FailsWithOneClearLine()
    {
        using var directory = TemporaryDirectory.Create();
        var data = new DataDirectory(directory.Path);
        await InitCommandTests.RunAsync("init", "--data-dir", data.Root);
        using var busy = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        busy.Start();
        var port = ((System.Net.IPEndPoint)busy.LocalEndpoint).Port;

        var (exitCode, stdout, stderr) = await InitCommandTests.RunAsync(
            "run", "--data-dir", data.Root, "--listen", $"/ip4/127.0.0.1/tcp/{port}");

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr, Does.StartWith("error: cannot start: "));
        Assert.That(stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(File.Exists(data.AdminUrlPath), Is.False);
    }
}
