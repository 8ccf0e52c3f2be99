using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Cerebrum.Tests.Daemon;

[TestFixture]
public sealed class AdminApiAuthenticationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private TestDaemon _daemon = null!;
    private HttpClient _http = null!;

    [OneTimeSetUp]
    public async Task StartDaemon()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        _daemon = await TestDaemon.StartAsync(timeout.Token);
        _http = new HttpClient { BaseAddress = _daemon.AdminUrl, Timeout = Timeout };
    }

    [OneTimeTearDown]
    public async Task StopDaemon()
    {
        _http.Dispose();
        await _daemon.DisposeAsync().AsTask().WaitAsync(Timeout);
    }

    [Test]
    public void AdminApi_ListensOnLoopbackAndAdvertisesItsUrl()
    {
        Assert.That(_daemon.AdminUrl.Host, Is.EqualTo("127.0.0.1"));
        Assert.That(File.ReadAllText(_daemon.Data.AdminUrlPath).Trim(), Is.EqualTo(_daemon.AdminUrl.ToString()));
    }

    [Test]
    public void Cookie_Is64HexCharactersInAnOwnerOnlyFile()
    {
        var cookie = File.ReadAllText(_daemon.Data.CookiePath);

        Assert.That(cookie, Does.Match("^[0-9a-f]{64}$"));
        if (!OperatingSystem.IsWindows())
            Assert.That(File.GetUnixFileMode(_daemon.Data.CookiePath), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    [Test]
    public async Task RequestWithoutCookie_Is401WithAJsonError()
    {
        using var response = await _http.GetAsync(new Uri("status", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        var body = await response.Content.ReadFromJsonAsync<ErrorBody>();
        Assert.That(body?.Error, Does.Contain("cookie"));
    }

    [TestCase("Bearer 0000000000000000000000000000000000000000000000000000000000000000")]
    [TestCase("Bearer ")]
    [TestCase("Basic dXNlcjpwYXNz")]
    public async Task RequestWithAWrongCookie_Is401(string authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "status");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var response = await _http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task UnknownPathWithoutCookie_Is401NotA404()
    {
        using var response = await _http.GetAsync(new Uri("no-such-endpoint", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task RequestWithTheCookie_Is200WithTheStatus()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "status");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(_daemon.Data.CookiePath));
        using var response = await _http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var status = await response.Content.ReadFromJsonAsync<StatusResponse>();
        Assert.That(status?.PeerId, Is.EqualTo(_daemon.PeerId.ToString()));
        Assert.That(status?.AgentVersion, Does.StartWith("cerebrumd/"));
    }

    private sealed record ErrorBody(string? Error);
}
