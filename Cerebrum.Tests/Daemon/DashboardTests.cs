using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Cerebrum.Tests.Daemon;

/// <summary>The dashboard page at <c>GET /</c> and how a browser signs in to it, through a running daemon's admin API.</summary>
[TestFixture]
public sealed class DashboardTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private TestDaemon _daemon = null!;
    private HttpClient _admin = null!;

    [OneTimeSetUp]
    public async Task StartDaemon()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        _daemon = await TestDaemon.StartAsync(timeout.Token);
        _admin = _daemon.AdminClient(Timeout);
    }

    [OneTimeTearDown]
    public async Task StopDaemon()
    {
        _admin.Dispose();
        await _daemon.DisposeAsync().AsTask().WaitAsync(Timeout);
    }

    /// <summary>A browser: keeps cookies, does not follow redirects (the test looks at them), sends no Authorization header.</summary>
    private HttpClient Browser(CookieContainer cookies) =>
        new(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = _daemon.AdminUrl, Timeout = Timeout };

    private async Task<string> NewLinkAsync()
    {
        using var response = await _admin.PostAsync(new Uri("dashboard/links", UriKind.Relative), null);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var link = await response.Content.ReadFromJsonAsync<LinkBody>();
        Assert.That(link!.ExpiresAt, Is.GreaterThan(DateTimeOffset.UtcNow));
        return link.Url;
    }

    [Test]
    public async Task Page_WithTheCookie_IsSelfContainedHtml()
    {
        using var response = await _admin.GetAsync(new Uri("/", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.ToString(), Is.EqualTo("text/html; charset=utf-8"));
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.That(policy, Does.Contain("default-src 'none'").And.Contain("connect-src 'self'").And.Contain("script-src 'self';"));
        Assert.That(policy, Does.Not.Contain("script-src 'unsafe-inline'"), "no inline script runs on the page");
        var html = await response.Content.ReadAsStringAsync();
        Assert.That(html, Does.StartWith("<!DOCTYPE html>").And.Contain("<title>Cerebrum node</title>"));
        Assert.That(html, Does.Contain("<script src=\"/dashboard.js\"></script>").And.Not.Contain("<script>"), "the page's one script is a file of its own");
        Assert.That(html, Does.Contain("id=\"channels\"").And.Contain("id=\"leases\"").And.Contain("id=\"earnings\""));
        Assert.That(html, Does.Not.Contain("src=\"http").And.Not.Contain("href=\"http"));

        using var script = await _admin.GetAsync(new Uri("/dashboard.js", UriKind.Relative));
        Assert.That(script.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(script.Content.Headers.ContentType?.ToString(), Is.EqualTo("text/javascript; charset=utf-8"));
        Assert.That(script.Headers.CacheControl?.NoStore, Is.True);
        var code = await script.Content.ReadAsStringAsync();
        Assert.That(code, Does.Contain("fetch(").And.Contain("/status").And.Contain("/peers").And.Contain("/models").And.Contain("/jobs").And.Contain("/nodes")
            .And.Contain("/gateway/routes").And.Contain("/market/channels").And.Contain("/market/leases"));
        Assert.That(code, Does.Not.Contain("innerHTML").And.Not.Contain("eval("), "values are only ever set as text");
    }

    [Test]
    public async Task Page_WithoutAuthentication_Is401()
    {
        using var browser = Browser(new CookieContainer());

        using var response = await browser.GetAsync(new Uri("/", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("cerebrum dashboard"));
    }

    [Test]
    public async Task Link_SetsAStrictHttpOnlySessionCookie_AndRedirectsToThePage()
    {
        var url = await NewLinkAsync();
        Assert.That(url, Does.StartWith(_daemon.AdminUrl + "dashboard/login?ticket="));
        using var browser = Browser(new CookieContainer());

        using var response = await browser.GetAsync(new Uri(url));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(response.Headers.Location?.ToString(), Does.Match("^/#session=[0-9a-f]{64}$"), "the page key is handed to the page in the fragment");
        var setCookie = response.Headers.GetValues("Set-Cookie").Single();
        Assert.That(setCookie, Does.StartWith($"cerebrum-dashboard-{_daemon.AdminUrl.Port}="));
        Assert.That(setCookie.ToLowerInvariant(), Does.Contain("httponly").And.Contain("samesite=strict").And.Contain("path=/"));
    }

    /// <summary>Opens a new link in <paramref name="browser"/>; returns the page key the redirect hands to the page (its URL fragment).</summary>
    private async Task<string> SignInAsync(HttpClient browser)
    {
        using var login = await browser.GetAsync(new Uri(await NewLinkAsync()));
        Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var location = login.Headers.Location!.OriginalString;
        Assert.That(location, Does.Match("^/#session=[0-9a-f]{64}$"));
        return location["/#session=".Length..];
    }

    [Test]
    public async Task Session_ReadsThePageAndTheApi_ButChangesNothing()
    {
        var cookies = new CookieContainer();
        using var browser = Browser(cookies);
        var pageKey = await SignInAsync(browser);
        browser.DefaultRequestHeaders.Add("X-Cerebrum-Dashboard", pageKey);

        using var page = await browser.GetAsync(new Uri("/", UriKind.Relative));
        browser.DefaultRequestHeaders.Remove("X-Cerebrum-Dashboard");
        using var script = await browser.GetAsync(new Uri("/dashboard.js", UriKind.Relative));
        browser.DefaultRequestHeaders.Add("X-Cerebrum-Dashboard", "");
        using var statusWithoutKey = await browser.GetAsync(new Uri("status", UriKind.Relative));
        browser.DefaultRequestHeaders.Remove("X-Cerebrum-Dashboard");
        browser.DefaultRequestHeaders.Add("X-Cerebrum-Dashboard", pageKey);
        using var status = await browser.GetAsync(new Uri("status", UriKind.Relative));
        using var metrics = await browser.GetAsync(new Uri("metrics", UriKind.Relative));
        using var connect = await browser.PostAsJsonAsync(new Uri("peers/connect", UriKind.Relative), new { address = _daemon.ListenAddress });
        using var link = await browser.PostAsync(new Uri("dashboard/links", UriKind.Relative), null);

        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(script.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the script loads by address, as the page does: with the session cookie alone");
        Assert.That(statusWithoutKey.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "the API still needs the page key");
        Assert.That(status.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await status.Content.ReadAsStringAsync(), Does.Contain(_daemon.PeerId.ToString()));
        Assert.That(metrics.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(connect.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(link.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "a session cannot mint links for others");
    }

    [Test]
    public async Task Link_WorksOnce()
    {
        var url = await NewLinkAsync();
        using var first = Browser(new CookieContainer());
        using var second = Browser(new CookieContainer());
        using (var used = await first.GetAsync(new Uri(url)))
            Assert.That(used.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));

        using var again = await second.GetAsync(new Uri(url));

        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(again.Headers.Contains("Set-Cookie"), Is.False);
    }

    [Test]
    public async Task ForgedTicketOrCookie_IsRefused()
    {
        var cookies = new CookieContainer();
        cookies.Add(_daemon.AdminUrl, new Cookie($"cerebrum-dashboard-{_daemon.AdminUrl.Port}", new string('a', 64)));
        using var browser = Browser(cookies);

        using var login = await browser.GetAsync(new Uri($"dashboard/login?ticket={new string('b', 64)}", UriKind.Relative));
        using var page = await browser.GetAsync(new Uri("/", UriKind.Relative));

        Assert.That(login.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Link_OpenedUnderAnotherHostName_IsRefused()
    {
        var url = await NewLinkAsync();
        using var browser = Browser(new CookieContainer());
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url));
        request.Headers.Host = "attacker.example";

        using var response = await browser.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(response.Headers.Contains("Set-Cookie"), Is.False);
    }

    [Test]
    public async Task AStolenSessionCookie_ReadsNothingWithoutThePageKey()
    {
        // Browsers send a localhost cookie to every port: another server on this machine gets the cookie, never the key.
        var cookies = new CookieContainer();
        using var browser = Browser(cookies);
        var key = await SignInAsync(browser);
        var stolen = cookies.GetCookies(_daemon.AdminUrl).Single();
        var thief = new CookieContainer();
        thief.Add(_daemon.AdminUrl, new Cookie(stolen.Name, stolen.Value));
        using var replay = Browser(thief);

        using var withCookieOnly = await replay.GetAsync(new Uri("status", UriKind.Relative));
        using var keyOnly = Browser(new CookieContainer());
        using var withKeyOnly = await SendAsync(keyOnly, "status", key);
        using var withBoth = await SendAsync(replay, "status", key);

        Assert.That(withCookieOnly.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(withKeyOnly.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(withBoth.StatusCode, Is.EqualTo(HttpStatusCode.OK), "both halves make the session");
        Assert.That(cookies.GetCookies(_daemon.AdminUrl).Single().Value, Is.Not.EqualTo(key), "the key is not in the cookie");
    }

    [TestCase("Origin", "http://127.0.0.1:1")]
    [TestCase("Origin", "http://localhost:1")]
    [TestCase("Sec-Fetch-Site", "same-site")]
    [TestCase("Sec-Fetch-Site", "cross-site")]
    public async Task ASessionRequestFromAnotherOrigin_IsRefused(string header, string value)
    {
        // A page on another port of this machine is the same site to SameSite, but not the same origin.
        var cookies = new CookieContainer();
        using var browser = Browser(cookies);
        var key = await SignInAsync(browser);

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("status", UriKind.Relative));
        request.Headers.Add("X-Cerebrum-Dashboard", key);
        request.Headers.Add(header, value);
        using var response = await browser.SendAsync(request);
        using var sameOrigin = await SendAsync(browser, "status", key, ("Origin", $"http://{_daemon.AdminUrl.Authority}"), ("Sec-Fetch-Site", "same-origin"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(sameOrigin.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task ASessionAddressedToAnotherPort_IsRefused()
    {
        var cookies = new CookieContainer();
        using var browser = Browser(cookies);
        var key = await SignInAsync(browser);

        using var response = await SendAsync(browser, "status", key, ("Host", "127.0.0.1:1"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient browser, string path, string key, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Add("X-Cerebrum-Dashboard", key);
        foreach (var (name, value) in headers)
        {
            if (name == "Host") request.Headers.Host = value;
            else request.Headers.Add(name, value);
        }
        return await browser.SendAsync(request);
    }

    private sealed record LinkBody(string Url, DateTimeOffset ExpiresAt);
}
