using Cerebrum.Tests.Daemon;

namespace Cerebrum.Tests.Cli;

[TestFixture]
public sealed class StatusCommandTests
{
    [Test]
    public async Task Status_WithoutADaemon_SaysItIsNotRunning()
    {
        using var directory = TemporaryDirectory.Create();

        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("status", "--data-dir", directory.Path);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr.TrimEnd(), Does.StartWith("error: the daemon is not running").And.Contain("cerebrumd run"));
        Assert.That(stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
    }

    [Test]
    public async Task Status_WithAStaleAdminUrl_SaysItIsNotRunning()
    {
        using var directory = TemporaryDirectory.Create();
        using (var unused = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            // A port that was just free and is closed again: nothing listens there.
            unused.Start();
            var port = ((System.Net.IPEndPoint)unused.LocalEndpoint).Port;
            unused.Stop();
            File.WriteAllText(Path.Combine(directory.Path, "admin.url"), $"http://127.0.0.1:{port}/\n");
        }
        File.WriteAllText(Path.Combine(directory.Path, ".cookie"), new string('a', 64));

        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("status", "--data-dir", directory.Path);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.StartWith("error: the daemon is not running").And.Contain("cannot reach"));
    }

    [Test]
    public async Task Status_AgainstARunningDaemon_PrintsItsPeerId()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var daemon = await TestDaemon.StartAsync(timeout.Token);

        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("status", "--data-dir", daemon.Data.Root);

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain($"peer id    {daemon.PeerId}").And.Contain("uptime").And.Contain("0 connected"));
        Assert.That(stdout, Does.Contain("modes      none (a plain network peer)"));
    }

    [Test]
    public async Task Status_WithAWrongCookie_ReportsTheDaemonsError()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var daemon = await TestDaemon.StartAsync(timeout.Token);
        using var copy = TemporaryDirectory.Create();
        File.Copy(daemon.Data.AdminUrlPath, Path.Combine(copy.Path, "admin.url"));
        File.WriteAllText(Path.Combine(copy.Path, ".cookie"), new string('0', 64));

        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("status", "--data-dir", copy.Path);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.StartWith("error: unauthorized"));
    }

    [Test]
    public async Task Status_WithAGarbledAdminUrl_SaysSo()
    {
        using var directory = TemporaryDirectory.Create();
        File.WriteAllText(Path.Combine(directory.Path, "admin.url"), "not a url");
        File.WriteAllText(Path.Combine(directory.Path, ".cookie"), new string('a', 64));

        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("status", "--data-dir", directory.Path);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.StartWith("error: ").And.Contain("does not hold a URL"));
    }

    [Test]
    public async Task Status_WhenTheAdminApiAnswersGarbage_PrintsOneErrorLine()
    {
        using var directory = TemporaryDirectory.Create();
        using var server = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        server.Start();
        var port = ((System.Net.IPEndPoint)server.LocalEndpoint).Port;
        File.WriteAllText(Path.Combine(directory.Path, "admin.url"), $"http://127.0.0.1:{port}/");
        File.WriteAllText(Path.Combine(directory.Path, ".cookie"), new string('a', 64));
        var answer = Task.Run(async () =>
        {
            using var client = await server.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var request = new byte[4096];
            _ = await stream.ReadAsync(request);
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"u8.ToArray());
        });

        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("status", "--data-dir", directory.Path);
        await answer.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr, Does.StartWith("error: "));
        Assert.That(stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
    }
}
