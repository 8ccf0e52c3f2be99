using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cerebrum.Core.Operator.Admin;
using Cerebrum.Daemon.Chain;
using Cerebrum.Daemon.Cloud;
using Cerebrum.Tests.EndToEnd;
using Cerebrum.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Cerebrum.Tests.Cloud;

/// <summary>
/// Cerebrum Cloud in a real browser (Debian's headless chromium driven by Playwright) against a devnet whose gateway
/// needs API keys: every page loads with no console error at desktop and phone widths, the playground's embedding is
/// the one <c>cerebrum embed</c> prints, the node list is the one <c>cerebrum net nodes --json</c> prints, every form
/// answers bad input with a clear message, the key is never shown back, and the HTTP API's keys and limits guard the
/// page's data. With <c>CEREBRUM_CLOUD_SCREENSHOTS=DIR</c> the page screenshots are also written there (docs/cloud).
/// </summary>
[TestFixture]
public sealed class CloudWebAppTests
{
    private static readonly string[] Pages = ["models", "nodes", "playground", "keys", "leases"];

    private CloudDevnet _devnet = null!;
    private CloudBrowser _browser = null!;
    private string _key = "";
    private string _screenshots = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        _devnet = await CloudDevnet.StartAsync("\"Open\": false", timeout.Token);
        _key = _devnet.CreateKey("cloud-browser", 0);
        _browser = await CloudBrowser.LaunchAsync();
        _screenshots = Environment.GetEnvironmentVariable("CEREBRUM_CLOUD_SCREENSHOTS") is { Length: > 0 } dir ? dir : "";
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        if (_devnet is not null) await _devnet.DisposeAsync();
    }

    [Test]
    public async Task EveryPageLoadsWithoutAConsoleErrorAtDesktopAndPhoneWidths()
    {
        foreach (var (width, viewport) in new[] { ("desktop", CloudBrowser.Desktop), ("phone", CloudBrowser.Phone) })
        {
            await using var page = await _browser.OpenAsync(viewport);
            await SignInAsync(page.Page);
            foreach (var name in Pages)
            {
                await page.Page.GotoAsync(Url($"#/{name}"));
                await WaitLiveAsync(page.Page);
                await WaitForContentAsync(page.Page, name);
                if (name == "playground")
                {
                    // The playground as a visitor sees it after a run (the default choice is the text model).
                    Assert.That(await page.Page.Locator("#play-model").InputValueAsync(), Is.EqualTo(CloudDevnet.MiniLm));
                    await page.Page.Locator("#play-text").FillAsync("Cerebrum runs models on a network of GPU owners");
                    await page.Page.Locator("#play-run").ClickAsync();
                    await page.Page.Locator("#play-result").WaitForAsync();
                }
                Assert.That(await page.Page.Locator($"#page-{name}").IsVisibleAsync(), Is.True, $"{name} at {width} width");
                // Readable on a phone: nothing wider than the screen, so the page never scrolls sideways.
                var overflow = await page.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
                Assert.That(overflow, Is.LessThanOrEqualTo(0), $"{name} at {width} width is {overflow} px wider than the window");
                var png = await page.Page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true });
                Assert.That(png, Has.Length.GreaterThan(1000));
                if (_screenshots.Length > 0)
                {
                    Directory.CreateDirectory(_screenshots);
                    await File.WriteAllBytesAsync(Path.Combine(_screenshots, $"{name}-{width}.png"), png);
                }
            }
            Assert.That(page.Errors, Is.Empty, $"console errors at {width} width");
        }
    }

    [Test]
    public async Task ThePlaygroundEmbedsTheTextCerebrumEmbedDoesWithTheNodeTimingAndReceipt()
    {
        const string text = "the quick brown fox jumps over the lazy dog";
        await using var page = await _browser.OpenAsync();
        await SignInAsync(page.Page);
        await page.Page.GotoAsync(Url("#/playground"));
        await page.Page.Locator($"#play-model option[value='{CloudDevnet.MiniLm}']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await page.Page.Locator("#play-model").SelectOptionAsync(CloudDevnet.MiniLm);
        await page.Page.Locator("#play-text").FillAsync(text);
        await page.Page.Locator("#play-run").ClickAsync();
        await page.Page.Locator("#play-result").WaitForAsync();

        var onPage = JsonSerializer.Deserialize<float[]>(await page.Page.Locator("#play-output").TextContentAsync() ?? "")!;
        var byCli = JsonSerializer.Deserialize<float[]>(await GatewayTestNetwork.RunCliOkAsync("embed", "--peer", _devnet.RegisteredNode.ListenAddress, text))!;
        Assert.That(onPage, Has.Length.EqualTo(384));
        Assert.That(onPage, Is.EqualTo(byCli).Within(1e-5f));

        var receipt = await page.Page.Locator("#play-receipt").InnerTextAsync();
        var nodes = _devnet.Nodes.Select(n => n.PeerId.ToString()).ToArray();
        Assert.That(nodes, Has.Some.Matches<string>(id => receipt.Contains(id, StringComparison.Ordinal)), "the receipt names a node of the devnet");
        Assert.That(receipt, Does.Contain(_devnet.MiniLmHash));
        Assert.That(await page.Page.Locator("#play-timing").InnerTextAsync(), Does.Contain("Model ran on the node").And.Contain(" ms"));
        Assert.That(page.Errors, Is.Empty);
    }

    [Test]
    public async Task ThePlaygroundRunsAKServeRequestAndShowsItsOutputs()
    {
        await using var page = await _browser.OpenAsync();
        await SignInAsync(page.Page);
        await page.Page.GotoAsync(Url("#/playground"));
        await page.Page.Locator("#play-model option[value='add']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await page.Page.Locator("#play-model").SelectOptionAsync("add");
        await page.Page.Locator("#play-json").FillAsync(GatewayTestNetwork.AddRequest(1));
        await page.Page.Locator("#play-run").ClickAsync();
        await page.Page.Locator("#play-result").WaitForAsync();

        var answer = JsonNode.Parse(await page.Page.Locator("#play-output").TextContentAsync() ?? "")!;
        // a = 1, 2, 3 and b = 0, 0.5, 1: c = a + b.
        Assert.That(answer["outputs"]![0]!["data"]!.AsArray().Select(v => v!.GetValue<float>()), Is.EqualTo(new[] { 1f, 2.5f, 4f }));
        Assert.That(await page.Page.Locator("#play-receipt").InnerTextAsync(), Does.Contain("Signature"));
        Assert.That(page.Errors, Is.Empty);
    }

    [Test]
    public async Task TheNodeListIsTheOneTheCliPrints()
    {
        var cli = JsonNode.Parse(await GatewayTestNetwork.RunCliOkAsync("net", "nodes", "--json", "--data-dir", _devnet.GatewayDataDirectory))!.AsArray();
        var expected = cli.Select(n => n!["peerId"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToArray();
        Assert.That(expected, Is.EquivalentTo(_devnet.Nodes.Select(n => n.PeerId.ToString())));

        await using var page = await _browser.OpenAsync();
        await SignInAsync(page.Page);
        await page.Page.GotoAsync(Url("#/nodes"));
        await WaitForContentAsync(page.Page, "nodes");
        var rows = page.Page.Locator("#nodes-rows tr[data-peer-id]");
        var shown = new List<string>();
        for (var i = 0; i < await rows.CountAsync(); i++)
            shown.Add((await rows.Nth(i).GetAttributeAsync("data-peer-id"))!);
        Assert.That(shown, Is.EqualTo(expected));
        var registered = await page.Page.Locator($"#nodes-rows tr[data-peer-id='{_devnet.RegisteredNode.PeerId}']").InnerTextAsync();
        Assert.That(registered, Does.Contain("registered #").And.Contain("stake 1,000,000 µCER").And.Contain("claims cpu-2c"));
        Assert.That(page.Errors, Is.Empty);
    }

    [Test]
    public async Task TheModelsPageListsTheLedgersRegistrationsAndTheNodesServingThem()
    {
        await using var page = await _browser.OpenAsync();
        await SignInAsync(page.Page);
        await page.Page.GotoAsync(Url("#/models"));
        await WaitForContentAsync(page.Page, "models");
        var card = await page.Page.Locator($"article[data-model-hash='{_devnet.MiniLmHash}']").InnerTextAsync();
        Assert.That(card, Does.Contain(CloudDevnet.MiniLm).And.Contain("text-embedding").And.Contain("registered at #").And.Contain("2 nodes serving")
            .And.Contain("last_hidden_state:float32[n,t,384]"));
        Assert.That(await page.Page.Locator("article[data-model-hash]").CountAsync(), Is.EqualTo(2));
        Assert.That(page.Errors, Is.Empty);
    }

    [Test]
    public async Task BadInputInEveryFormGetsAClearMessage()
    {
        await using var page = await _browser.OpenAsync();
        await page.Page.GotoAsync(Url("#/keys"));
        await page.Page.Locator("#key-use").ClickAsync();
        Assert.That(await page.Page.Locator("#key-error").InnerTextAsync(), Is.EqualTo("Paste an API key first."));
        await page.Page.Locator("#key-input").FillAsync("not a key");
        await page.Page.Locator("#key-use").ClickAsync();
        Assert.That(await page.Page.Locator("#key-error").InnerTextAsync(), Does.StartWith("That is not an API key of a Cerebrum gateway"));
        await page.Page.Locator("#key-input").FillAsync("cbr_" + new string('A', 43));
        await page.Page.Locator("#key-use").ClickAsync();
        await WaitForTextAsync(page.Page.Locator("#key-error"), "This gateway does not know that key, or it was revoked.");

        await SignInAsync(page.Page);
        await page.Page.GotoAsync(Url("#/playground"));
        await page.Page.Locator($"#play-model option[value='{CloudDevnet.MiniLm}']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await page.Page.Locator("#play-model").SelectOptionAsync(CloudDevnet.MiniLm);
        await page.Page.Locator("#play-text").FillAsync("   ");
        await page.Page.Locator("#play-run").ClickAsync();
        Assert.That(await page.Page.Locator("#play-error").InnerTextAsync(), Is.EqualTo("Type a text to embed."));

        await page.Page.Locator("#play-model").SelectOptionAsync("add");
        await page.Page.Locator("#play-json").FillAsync("{ inputs: ");
        await page.Page.Locator("#play-run").ClickAsync();
        Assert.That(await page.Page.Locator("#play-error").InnerTextAsync(), Does.StartWith("The request is not valid JSON"));
        await page.Page.Locator("#play-json").FillAsync("[]");
        await page.Page.Locator("#play-run").ClickAsync();
        Assert.That(await page.Page.Locator("#play-error").InnerTextAsync(), Does.StartWith("The request must be a JSON object with an 'inputs' array"));
        // Valid JSON the gateway refuses: its own error comes back word for word.
        await page.Page.Locator("#play-json").FillAsync("""{ "inputs": [ { "name": "a", "shape": [1, 3], "datatype": "FP32", "data": [1, 2] } ] }""");
        await page.Page.Locator("#play-run").ClickAsync();
        await WaitForTextAsync(page.Page.Locator("#play-error"), "The gateway answered 400: ");
        // The page's own checks and the gateway's refusals are messages, not console errors (a failed fetch's status line aside).
        Assert.That(page.Errors.Where(e => !e.Contains("the server responded with a status of", StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public async Task WithoutAKeyThePageSaysSoAndShowsNoData()
    {
        await using var page = await _browser.OpenAsync();
        await page.Page.GotoAsync(Url("#/nodes"));
        await WaitForTextAsync(page.Page.Locator("#banner"), "This gateway needs an API key to show its data.");
        Assert.That(await page.Page.Locator("#nodes-rows tr").CountAsync(), Is.Zero);
        Assert.That(await page.Page.Locator("#live-text").InnerTextAsync(), Is.EqualTo("needs an API key"));
    }

    [Test]
    public async Task TheKeyIsNeverShownBackAndStaysInTheTab()
    {
        await using var page = await _browser.OpenAsync();
        await SignInAsync(page.Page);
        Assert.That(await page.Page.Locator("#key-info").InnerTextAsync(), Does.Contain("cloud-browser"));
        foreach (var name in Pages)
        {
            await page.Page.GotoAsync(Url($"#/{name}"));
            await WaitLiveAsync(page.Page);
            var html = await page.Page.ContentAsync();
            var values = await page.Page.EvaluateAsync<string>("() => [...document.querySelectorAll('input, textarea')].map(e => e.value).join('\\n')");
            Assert.That(html + values, Does.Not.Contain(_key[4..]), $"the {name} page shows the key");
        }
        Assert.That(await page.Page.EvaluateAsync<int>("() => localStorage.length"), Is.Zero, "nothing is kept beyond the tab");
        await using var other = await _browser.OpenAsync();
        await other.Page.GotoAsync(Url("#/nodes"));
        await WaitForTextAsync(other.Page.Locator("#live-text"), "needs an API key");
    }

    [Test]
    public async Task TheSummaryUpdatesWithoutReloading()
    {
        await using var page = await _browser.OpenAsync();
        await SignInAsync(page.Page);
        await page.Page.GotoAsync(Url("#/models"));
        await WaitLiveAsync(page.Page);
        var height = Height();
        // The ledger moves on; the page follows it with no navigation.
        await Poll.UntilAsync(() => Height() > height + 1, GatewayTestNetwork.Timeout);
        var later = Height();
        await page.Page.WaitForFunctionAsync("h => { const b = document.querySelector('#summary .stat b'); return b && Number(b.textContent.replace(/[#,]/g, '')) >= h; }",
            (double)later, new PageWaitForFunctionOptions { Timeout = 30_000 });
        Assert.That(page.Errors, Is.Empty);
    }

    [Test]
    public async Task TheValidatorsDashboardShowsConsensusHealth()
    {
        using var admin = _devnet.Gateway.AdminClient();
        using var response = await admin.PostAsync(new Uri(AdminRoutes.DashboardLinks, UriKind.Relative), null);
        var link = JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), AdminJsonContext.Default.DashboardLinkResponse)!;
        await using var page = await _browser.OpenAsync();
        await page.Page.GotoAsync(link.Url);
        await page.Page.Locator("#consensus-section").WaitForAsync();
        await WaitForTextAsync(page.Page.Locator("#participation"), "(this daemon)");
        var health = await page.Page.Locator("#consensus").InnerTextAsync();
        Assert.That(health, Does.Match(@"Deciding\s+height \d+, round \d+"));
        // The only validator signs every commit: none missed.
        Assert.That(health, Does.Match(@"This validator\s+0 missed of the last [1-9]\d* commits"));
        Assert.That(await page.Page.Locator("#checks-section").IsVisibleAsync(), Is.True, "validator mode says what it cannot show yet");
        var png = await page.Page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true });
        if (_screenshots.Length > 0)
            await File.WriteAllBytesAsync(Path.Combine(_screenshots, "dashboard-validator.png"), png);
        Assert.That(page.Errors, Is.Empty);
    }

    [Test]
    public async Task WithoutAMarketTheMarketEndpointsSaySoAndThePageSaysItPlainly()
    {
        using var keyed = _devnet.HttpClient(_key);
        foreach (var path in new[] { "/cloud/api/offers", "/cloud/api/leases?tenant=" + _devnet.RegisteredNode.PeerId, "/cloud/api/usage" })
        {
            using var response = await keyed.GetAsync(path);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), path);
            Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("this network has no market on this gateway yet"), path);
        }
        await using var page = await _browser.OpenAsync();
        await SignInAsync(page.Page);
        await page.Page.GotoAsync(Url("#/leases"));
        await WaitForTextAsync(page.Page.Locator("#offers"), "This network has no market yet");
        Assert.That(await page.Page.Locator("#lease-form").IsVisibleAsync(), Is.False);
        await page.Page.GotoAsync(Url("#/keys"));
        await WaitForTextAsync(page.Page.Locator("#usage"), "This gateway records no usage or spend per key yet");
        Assert.That(page.Errors, Is.Empty);
    }

    /// <summary>
    /// The market's pages against the documented JSON of <c>/cloud/api/offers</c>, <c>/leases</c> and <c>/usage</c>,
    /// served to the browser by the test (the market is not on this network yet; these records are the seam it fills).
    /// </summary>
    [Test]
    public async Task TheMarketPagesShowOffersATenantsLeasesAndTheKeysSpend()
    {
        var node = _devnet.Nodes[1].PeerId.ToString();
        var tenant = _devnet.RegisteredNode.PeerId.ToString();
        var start = new DateTime(2026, 12, 7, 18, 0, 0, DateTimeKind.Utc);
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var offers = JsonSerializer.Serialize(new[]
        {
            new CloudOffer(node, [new CloudOfferedModel(_devnet.MiniLmHash, CloudDevnet.MiniLm, "text-embedding", 3)], 250_000, 1, 24, "cpu-2c", "local", 2, null, start.AddHours(1)),
            new CloudOffer(tenant, [], null, 0, 0, "", "", 1, null, start.AddHours(1)),
        }, web);
        var leases = JsonSerializer.Serialize(new[] { new CloudLease(new string('a', 64), tenant, node, 2, 250_000, 500_000, 125_000, start, start.AddHours(2), "active") }, web);
        var usage = JsonSerializer.Serialize(new CloudUsage("cloud-browser", 12, 36, 1_000, 964), web);

        await using var page = await _browser.OpenAsync();
        await page.Page.RouteAsync("**/cloud/api/overview", async route =>
        {
            var response = await route.FetchAsync();
            var overview = JsonNode.Parse(await response.TextAsync())!;
            overview["features"]!["market"] = true;
            await route.FulfillAsync(new RouteFulfillOptions { Response = response, Body = overview.ToJsonString() });
        });
        await page.Page.RouteAsync("**/cloud/api/offers", route => route.FulfillAsync(new RouteFulfillOptions { ContentType = "application/json", Body = offers }));
        await page.Page.RouteAsync("**/cloud/api/leases?tenant=*", route => route.FulfillAsync(new RouteFulfillOptions { ContentType = "application/json", Body = leases }));
        await page.Page.RouteAsync("**/cloud/api/usage", route => route.FulfillAsync(new RouteFulfillOptions { ContentType = "application/json", Body = usage }));
        await SignInAsync(page.Page);

        await WaitForTextAsync(page.Page.Locator("#usage"), "Spent");
        var spend = await page.Page.Locator("#usage").InnerTextAsync();
        Assert.That(spend, Does.Contain("36 µCER").And.Contain("1,000 µCER").And.Contain("964 µCER"));

        await page.Page.GotoAsync(Url("#/leases"));
        await page.Page.Locator($"#offers-table tr[data-peer-id='{node}']").WaitForAsync();
        Assert.That(await page.Page.Locator("#offers-table tbody tr").CountAsync(), Is.EqualTo(1), "a node that rents nothing is not listed");
        Assert.That(await page.Page.Locator("#offers-table").InnerTextAsync(), Does.Contain("250,000 µCER").And.Contain("1 – 24").And.Contain("free (2 slots)"));

        await page.Page.Locator("#lease-watch").ClickAsync();
        Assert.That(await page.Page.Locator("#lease-error").InnerTextAsync(), Is.EqualTo("Type the tenant's peer ID first."));
        await page.Page.Locator("#lease-tenant").FillAsync("0OIl-not-a-peer");
        await page.Page.Locator("#lease-watch").ClickAsync();
        Assert.That(await page.Page.Locator("#lease-error").InnerTextAsync(), Does.StartWith("That is not a peer ID"));
        await page.Page.Locator("#lease-tenant").FillAsync(tenant);
        await page.Page.Locator("#lease-watch").ClickAsync();
        await page.Page.Locator($"#leases-table tr[data-lease-id='{new string('a', 64)}']").WaitForAsync();
        Assert.That(await page.Page.Locator("#leases-table").InnerTextAsync(), Does.Contain("500,000 µCER").And.Contain("125,000 µCER").And.Contain("active"));
        Assert.That(await page.Page.Locator("#lease-error").IsVisibleAsync(), Is.False);
        if (_screenshots.Length > 0)
            await File.WriteAllBytesAsync(Path.Combine(_screenshots, "leases-market-desktop.png"), await page.Page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true }));
        Assert.That(page.Errors, Is.Empty);
    }

    [Test]
    public async Task ThePageAndItsFilesArePublicWithAStrictPolicyWhileItsDataNeedsAKey()
    {
        using var anonymous = _devnet.HttpClient();
        foreach (var path in new[] { "/cloud/", "/cloud/app.js", "/cloud/app.css", "/cloud/icon.svg" })
        {
            using var response = await anonymous.GetAsync(path);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
            Assert.That(response.Headers.GetValues("Content-Security-Policy").Single(), Is.EqualTo(CloudEndpoints.ContentSecurityPolicy), path);
            Assert.That(response.Headers.GetValues("X-Content-Type-Options").Single(), Is.EqualTo("nosniff"));
        }
        Assert.That(CloudEndpoints.ContentSecurityPolicy, Does.Contain("script-src 'self'").And.Not.Contain("unsafe"));
        var page = await anonymous.GetStringAsync("/cloud/");
        Assert.That(page, Does.Not.Contain("<script>").And.Not.Contain("http://").And.Not.Contain("https://").And.Not.Contain(" style="));
        using (var root = await anonymous.GetAsync("/"))
            Assert.That(root.RequestMessage!.RequestUri!.AbsolutePath, Is.EqualTo("/cloud/"), "/ leads to the app");
        using (var missing = await anonymous.GetAsync("/cloud/secrets.json"))
            Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "a file the app does not have is no public asset");

        foreach (var path in new[] { "/cloud/api/overview", "/cloud/api/models", "/cloud/api/nodes", "/cloud/api/key" })
        {
            using var response = await anonymous.GetAsync(path);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), path);
        }
        using var keyed = _devnet.HttpClient(_key);
        var key = await keyed.GetStringAsync("/cloud/api/key");
        Assert.That(JsonNode.Parse(key)!["name"]!.GetValue<string>(), Is.EqualTo("cloud-browser"));
        Assert.That(key, Does.Not.Contain(_key[4..]), "the key endpoint never returns the key");
        using (var unknown = await keyed.GetAsync("/cloud/api/nothing"))
            Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task TheKeysRateLimitAppliesToThePagesData()
    {
        var limited = _devnet.CreateKey("cloud-limited", 1);
        using var http = _devnet.HttpClient(limited);
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 50 && refused is null; i++)
        {
            var response = await http.GetAsync("/cloud/api/overview");
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
            else
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                response.Dispose();
            }
        }
        Assert.That(refused, Is.Not.Null, "50 requests at once against a 1/s key");
        Assert.That(refused!.Headers.RetryAfter, Is.Not.Null);
        refused.Dispose();
    }

    private ulong Height() => _devnet.Gateway.Application.Services.GetRequiredService<ChainService>().Chain.Status.Height;

    private string Url(string fragment) => new Uri(_devnet.GatewayUrl, "/cloud/" + fragment).ToString();

    /// <summary>Pastes the API key on the Keys page, as a visitor would, and waits until the gateway has accepted it.</summary>
    private async Task SignInAsync(IPage page)
    {
        await page.GotoAsync(Url("#/keys"));
        await page.Locator("#key-input").FillAsync(_key);
        await page.Locator("#key-use").ClickAsync();
        await WaitForTextAsync(page.Locator("#key-info"), "cloud-");
    }

    private static Task WaitLiveAsync(IPage page) => WaitForTextAsync(page.Locator("#live-text"), "live ·");

    private static async Task WaitForContentAsync(IPage page, string name)
    {
        var selector = name switch
        {
            "models" => "article[data-model-hash]",
            "nodes" => "#nodes-rows tr[data-peer-id]",
            "playground" => "#play-model option[value='add']",
            "keys" => "#key-info div",
            _ => "#offers p",
        };
        await page.Locator(selector).First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
    }

    private static Task WaitForTextAsync(ILocator locator, string text) =>
        Assertions.Expect(locator).ToContainTextAsync(text, new LocatorAssertionsToContainTextOptions { Timeout = 30_000 });
}
