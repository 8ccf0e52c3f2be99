using System.Net;
using Cerebrum.Tests.Daemon;

namespace Cerebrum.Tests.Cli;

[TestFixture]
public sealed class DashboardCommandTests
{
    [Test]
    public async Task Dashboard_PrintsALinkThatSignsABrowserIn()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var daemon = await TestDaemon.StartAsync(timeout.Token);

        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("dashboard", "--data-dir", daemon.Data.Root);

        Assert.That(exitCode, Is.Zero, stderr);
        var url = stdout.Split('\n')[0].Trim();
        Assert.That(url, Does.StartWith(daemon.AdminUrl + "dashboard/login?ticket="));
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { Timeout = TimeSpan.FromSeconds(30) };
        using var page = await browser.GetAsync(new Uri(url), timeout.Token);
        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(page.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
    }

    [Test]
    public async Task Dashboard_WithoutADaemon_SaysItIsNotRunning()
    {
        using var directory = TemporaryDirectory.Create();

        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("dashboard", "--data-dir", directory.Path);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr, Does.StartWith("error: the daemon is not running"));
    }
}
