using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Operator.Admin;
using Cerebrum.Daemon.Chain;
using Cerebrum.Daemon.Cloud;
using Cerebrum.Tests.EndToEnd;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;
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
        _devnet = await CloudDevnet.StartAsync(
            "\"Open\": false, \"SelfService\": { \"Enabled\": true, \"KeysPerIpPerHour\": 3, \"MaxKeys\": 50, \"Budget\": 5000, \"RatePerSecond\": 20 }", timeout.Token);
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
        // Through the node that is never leased (the lease test rents the other one to the gateway alone for a while).
        var byCli = JsonSerializer.Deserialize<float[]>(await GatewayTestNetwork.RunCliOkAsync("embed", "--peer", _devnet.Nodes[1].ListenAddress, text))!;
        Assert.That(onPage, Has.Length.EqualTo(384));
        Assert.That(onPage, Is.EqualTo(byCli).Within(1e-5f));

        var receipt = await page.Page.Locator("#play-receipt").InnerTextAsync();
        var nodes = _devnet.Nodes.Select(n => n.PeerId.ToString()).ToArray();
        Assert.That(nodes, Has.Some.Matches<string>(id => receipt.Contains(id, StringComparison.Ordinal)), "the receipt names a node of the devnet");
        Assert.That(receipt, Does.Contain(_devnet.MiniLmHash));
        // The receipt's binding: the gateway is the requester; the node's time, price, nonce and the bound job id are shown.
        Assert.That(receipt, Does.Contain(_devnet.Gateway.PeerId.ToString()).And.Contain("Node's time").And.Contain("0 µCER").And.Contain("Receipt SHA-256"));
        Assert.That(receipt, Does.Match(@"Node nonce\s+[0-9a-f]{32}"));
        Assert.That(receipt, Does.Match(@"Bound job id\s+[0-9a-f]{32}"));
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
        // The ledger's nodes (cerebrum node list) are the page's registered rows; the nodes heard (cerebrum net nodes) are all its rows.
        var ledger = JsonNode.Parse(await GatewayTestNetwork.RunCliOkAsync("node", "list", "--json", "--data-dir", _devnet.GatewayDataDirectory))!.AsArray();
        var registered = ledger.Select(n => n!["peerId"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToArray();
        Assert.That(registered, Is.EqualTo(new[] { _devnet.RegisteredNode.PeerId.ToString() }));
        var heard = JsonNode.Parse(await GatewayTestNetwork.RunCliOkAsync("net", "nodes", "--json", "--data-dir", _devnet.GatewayDataDirectory))!.AsArray();
        var expected = heard.Select(n => n!["peerId"]!.GetValue<string>()).Union(registered).Order(StringComparer.Ordinal).ToArray();
        Assert.That(expected, Is.EquivalentTo(_devnet.Nodes.Select(n => n.PeerId.ToString())));

        await using var page = await _browser.OpenAsync();
        await SignInAsync(page.Page);
        await page.Page.GotoAsync(Url("#/nodes"));
        await WaitForContentAsync(page.Page, "nodes");
        Assert.That(await PeerIdsAsync(page.Page.Locator("#nodes-rows tr[data-peer-id]")), Is.EqualTo(expected));
        Assert.That(await PeerIdsAsync(page.Page.Locator("#nodes-rows tr[data-registered]")), Is.EqualTo(registered));
        var row = await page.Page.Locator($"#nodes-rows tr[data-peer-id='{_devnet.RegisteredNode.PeerId}']").InnerTextAsync();
        Assert.That(row, Does.Contain("registered #").And.Contain("stake 1,000,000 µCER").And.Contain("claims cpu-2c"));
        Assert.That(page.Errors, Is.Empty);
    }

    /// <summary>
    /// The registered node as the validator's checks leave it on the ledger: active, its attested throughput, the latency the
    /// validator measured with the median, its reputation and its chart, and the price and free capacity it announces.
    /// </summary>
    [Test]
    public async Task TheNodesPageShowsTheAttestedStateOfTheRegisteredNode()
    {
        var chain = _devnet.Gateway.Application.Services.GetRequiredService<ChainService>().Chain;
        var node = _devnet.RegisteredNode.PeerId;
        var state = await Poll.UntilAsync(() => Task.FromResult(chain.GetNode(node)!),
            n => n.Lifecycle == Core.Chain.Proto.NodeLifecycle.Active && n.Figures is { LatencyMicros: > 0 } && n.ReputationPpm > 0, GatewayTestNetwork.Timeout,
            n => $"{n.Lifecycle}, figures {n.Figures}, reputation {n.ReputationPpm}");

        using (var keyed = _devnet.HttpClient(_key))
        {
            var nodes = JsonNode.Parse(await keyed.GetStringAsync("/cloud/api/nodes"))!.AsArray();
            var mine = nodes.Single(n => n!["peerId"]!.GetValue<string>() == node.ToString())!;
            Assert.That(mine["attested"]!["state"]!.GetValue<string>(), Is.EqualTo("active"));
            Assert.That(mine["attested"]!["attestedMflops"]!.GetValue<ulong>(), Is.GreaterThan(0UL));
            var latency = mine["attested"]!["latencies"]!.AsArray().Single()!;
            Assert.That(latency["validator"]!.GetValue<string>(), Is.EqualTo(_devnet.Gateway.PeerId.ToString()));
            Assert.That(mine["reputation"]!.AsArray(), Is.Not.Empty, "the gateway keeps the reputation's history");
            var other = nodes.Single(n => n!["peerId"]!.GetValue<string>() == _devnet.Nodes[1].PeerId.ToString())!;
            Assert.That(other["attested"], Is.Null, "an unregistered node has no attested state");
            var overview = JsonNode.Parse(await keyed.GetStringAsync("/cloud/api/overview"))!;
            Assert.That(overview["features"]!["verification"]!.GetValue<bool>(), Is.True);
        }

        await using var page = await _browser.OpenAsync();
        await SignInAsync(page.Page);
        await page.Page.GotoAsync(Url("#/nodes"));
        var row = page.Page.Locator($"#nodes-rows tr[data-peer-id='{node}']");
        await WaitForTextAsync(row, "MFLOP/s attested");
        var text = await row.InnerTextAsync();
        Assert.That(text, Does.Contain("active").And.Contain("median ").And.Contain("% of its claim").And.Contain("leased"));
        Assert.That(await row.Locator($".hbar[data-validator='{_devnet.Gateway.PeerId}']").CountAsync(), Is.EqualTo(1), "one latency bar per validator");
        Assert.That(state.ReputationPpm, Is.GreaterThan(0u));
        Assert.That(await row.Locator("td[data-label='Reputation']").InnerTextAsync(), Does.Match(@"^\d{1,3}\.\d %"));
        Assert.That(await page.Page.Locator("#nodes-note").InnerTextAsync(), Is.Empty, "a network with attestations needs no note");
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
        // The checks this validator ran: the registered node's hardware challenge passed, and its attestation is on the ledger.
        Assert.That(await page.Page.Locator("#checks-section").IsVisibleAsync(), Is.True);
        var node = _devnet.RegisteredNode.PeerId.ToString();
        await WaitForTextAsync(page.Page.Locator("#check-rows"), "hardware");
        var hardware = page.Page.Locator("#check-rows tr", new PageLocatorOptions { HasText = "hardware" }).First;
        Assert.That(await hardware.InnerTextAsync(), Does.Contain("pass").And.Contain("MFLOP/s"));
        await WaitForTextAsync(page.Page.Locator("#attestation-rows"), "hardware");
        await WaitForTextAsync(page.Page.Locator("#checks"), "passed of");
        using (var checks = await admin.GetAsync(AdminRoutes.ValidatorChecks))
        {
            var body = JsonNode.Parse(await checks.Content.ReadAsStringAsync())!;
            Assert.That(body["validator"]!.GetValue<string>(), Is.EqualTo(_devnet.Gateway.PeerId.ToString()));
            Assert.That(body["checks"]!.AsArray().Any(c => c!["node"]!.GetValue<string>() == node && c["kind"]!.GetValue<string>() == "hardware"
                && c["verdict"]!.GetValue<string>() == "pass" && c["throughputMflops"]!.GetValue<ulong>() > 0), Is.True, body.ToJsonString());
            Assert.That(body["attestations"]!.AsArray().Any(a => a!["node"]!.GetValue<string>() == node && a["kind"]!.GetValue<string>() == "hardware"), Is.True, body.ToJsonString());
        }
        using (var bad = await admin.GetAsync(AdminRoutes.ValidatorChecks + "?limit=0"))
            Assert.That(bad.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var png = await page.Page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true });
        if (_screenshots.Length > 0)
            await File.WriteAllBytesAsync(Path.Combine(_screenshots, "dashboard-validator.png"), png);
        Assert.That(page.Errors, Is.Empty);
    }

    /// <summary>
    /// A lease opened with the CLI (<c>cerebrum lease open</c>, signed by the tenant daemon's own key: here the gateway's,
    /// funded in genesis) appears on the Leases page of a visitor watching the tenant, without a reload, and goes when
    /// <c>cerebrum lease close</c> ends it; the node's offer is listed for rent beforehand, and the nodes page says the node
    /// is leased, and to whom, while it is.
    /// </summary>
    [Test]
    public async Task ALeaseOpenedWithTheCliAppearsOnThePageAndGoesWhenClosed()
    {
        var node = _devnet.RegisteredNode.PeerId.ToString();
        var tenant = _devnet.Gateway.PeerId.ToString();
        await using var page = await _browser.OpenAsync();
        await SignInAsync(page.Page);
        await page.Page.GotoAsync(Url("#/leases"));
        // Only the node that rents itself out is listed, with its price and terms, as its offer on cerebrum/1/offers says.
        var offer = page.Page.Locator($"#offers-table tr[data-peer-id='{node}']");
        await offer.WaitForAsync();
        Assert.That(await offer.InnerTextAsync(), Does.Contain("250,000 µCER").And.Contain("1 – 24").And.Contain("free"));
        Assert.That(await page.Page.Locator($"#offers-table tr[data-peer-id='{_devnet.Nodes[1].PeerId}']").CountAsync(), Is.Zero);
        await page.Page.Locator("#lease-tenant").FillAsync(tenant);
        await page.Page.Locator("#lease-watch").ClickAsync();
        await WaitForTextAsync(page.Page.Locator("#leases"), "No lease on the ledger has tenant");

        // The CLI takes the price from the offer the tenant's daemon heard.
        var opened = (await GatewayTestNetwork.RunCliOkAsync("lease", "open", "--node", node, "--hours", "1", "--data-dir", _devnet.GatewayDataDirectory)).Trim();
        var id = System.Text.RegularExpressions.Regex.Match(opened, "^lease ([0-9a-f]{64}) active until ").Groups[1].Value;
        Assert.That(id, Is.Not.Empty, opened);
        try
        {
            var row = page.Page.Locator($"#leases-table tr[data-lease-id='{id}']");
            await row.WaitForAsync();
            Assert.That(await row.InnerTextAsync(), Does.Contain("250,000 µCER").And.Contain("active"));
            using var keyed = _devnet.HttpClient(_key);
            var leases = JsonNode.Parse(await keyed.GetStringAsync($"/cloud/api/leases?tenant={tenant}"))!.AsArray();
            Assert.That(leases.Single()!["node"]!.GetValue<string>(), Is.EqualTo(node));
            Assert.That(leases.Single()!["prepaid"]!.GetValue<ulong>(), Is.EqualTo(CloudDevnet.LeasePricePerHour));
            // The nodes page says it is leased, and to whom.
            await page.Page.GotoAsync(Url("#/nodes"));
            await WaitForTextAsync(page.Page.Locator($"#nodes-rows tr[data-peer-id='{node}']"), "leased");
            if (_screenshots.Length > 0)
                await File.WriteAllBytesAsync(Path.Combine(_screenshots, "nodes-leased-desktop.png"), await page.Page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true }));
            await page.Page.GotoAsync(Url("#/leases"));
            await page.Page.Locator("#lease-tenant").FillAsync(tenant);
            await page.Page.Locator("#lease-watch").ClickAsync();
            await row.WaitForAsync();
            if (_screenshots.Length > 0)
                await File.WriteAllBytesAsync(Path.Combine(_screenshots, "leases-market-desktop.png"), await page.Page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true }));
        }
        finally
        {
            Assert.That(await GatewayTestNetwork.RunCliOkAsync("lease", "close", id, "--data-dir", _devnet.GatewayDataDirectory), Does.StartWith($"lease {id} closed"));
        }
        await WaitForTextAsync(page.Page.Locator("#leases"), "No lease on the ledger has tenant");
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
        var usage = JsonSerializer.Serialize(new CloudUsage("cloud-browser", 12, 36, 1_000, 964,
            [new CloudUsagePoint(start, 2, 6), new CloudUsagePoint(start.AddSeconds(5), 7, 21), new CloudUsagePoint(start.AddSeconds(10), 12, 36)]), web);

        await using var page = await _browser.OpenAsync();
        await page.Page.RouteAsync("**/cloud/api/offers", route => route.FulfillAsync(new RouteFulfillOptions { ContentType = "application/json", Body = offers }));
        await page.Page.RouteAsync("**/cloud/api/leases?tenant=*", route => route.FulfillAsync(new RouteFulfillOptions { ContentType = "application/json", Body = leases }));
        await page.Page.RouteAsync("**/cloud/api/usage", route => route.FulfillAsync(new RouteFulfillOptions { ContentType = "application/json", Body = usage }));
        await SignInAsync(page.Page);

        await WaitForTextAsync(page.Page.Locator("#usage"), "Spent");
        var spend = await page.Page.Locator("#usage").InnerTextAsync();
        Assert.That(spend, Does.Contain("36 µCER").And.Contain("1,000 µCER").And.Contain("964 µCER"));
        Assert.That(spend, Does.Contain("Spend over time").IgnoreCase);
        // Two intervals between three samples: +5 requests and +15 µCER each.
        Assert.That(await page.Page.Locator(".usage-chart[data-series='spent'] span").CountAsync(), Is.EqualTo(2));

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

    /// <summary>
    /// The receipt header carries every field the node signed: rebuilt from the header alone, the receipt verifies against
    /// the node's key, hashes to the header's receipt hash, and names the gateway as requester.
    /// </summary>
    [Test]
    public async Task TheReceiptHeaderCarriesTheWholeSignedReceipt()
    {
        using var keyed = _devnet.HttpClient(_key);
        using var content = new StringContent(GatewayTestNetwork.AddRequest(2), System.Text.Encoding.UTF8, "application/json");
        using var response = await keyed.PostAsync("/v2/models/add/infer", content);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var header = response.Headers.GetValues("X-Cerebrum-Receipt").Single();
        var fields = System.Text.RegularExpressions.Regex.Matches(header, "([a-z][a-z-]*)=(?:\"([^\"]*)\"|:([A-Za-z0-9+/=]*):|([0-9]+))")
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Success ? m.Groups[3].Value : m.Groups[4].Value);
        Assert.That(fields.Keys, Is.SupersetOf(new[] { "job", "model", "input", "output", "requester", "time", "price", "nonce", "bound-job", "receipt", "signature" }));
        Assert.That(fields["requester"], Is.EqualTo(_devnet.Gateway.PeerId.ToString()));
        var receipt = new Core.Inference.Protocol.Proto.InferReceipt
        {
            JobId = fields["job"], ModelHash = fields["model"],
            InputHash = Google.Protobuf.ByteString.FromBase64(fields["input"]), OutputHash = Google.Protobuf.ByteString.FromBase64(fields["output"]),
            Requester = Google.Protobuf.ByteString.CopyFrom(Core.Crypto.PeerId.Parse(fields["requester"]).Bytes.Span),
            TimeUnixMs = long.Parse(fields["time"], System.Globalization.CultureInfo.InvariantCulture),
            Price = ulong.Parse(fields["price"], System.Globalization.CultureInfo.InvariantCulture),
            NodeNonce = Google.Protobuf.ByteString.FromBase64(fields["nonce"]),
        };
        var signed = System.Text.Encoding.UTF8.GetBytes(Core.Inference.Protocol.InferProtocolHandler.ProtocolId).Concat(receipt.ToByteArray()).ToArray();
        var answering = _devnet.Nodes.Single(n => n.PeerId.ToString() == response.Headers.GetValues("X-Cerebrum-Node").Single());
        using var nodeKey = KeyFile.Load(answering.Data.KeyPath);
        Assert.That(nodeKey.PublicKey.Verify(signed, Convert.FromBase64String(fields["signature"])), Is.True, "the node's signature over the rebuilt receipt");
        Assert.That(Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(signed)), Is.EqualTo(fields["receipt"]));
        Assert.That(fields["bound-job"], Is.EqualTo(Core.Inference.Protocol.InferReceipts.BoundJobId(fields["job"], Convert.FromBase64String(fields["nonce"]))));
        // A receipt with any field changed does not verify.
        receipt.Price += 1;
        var forged = System.Text.Encoding.UTF8.GetBytes(Core.Inference.Protocol.InferProtocolHandler.ProtocolId).Concat(receipt.ToByteArray()).ToArray();
        Assert.That(nodeKey.PublicKey.Verify(forged, Convert.FromBase64String(fields["signature"])), Is.False);
    }

    /// <summary>
    /// Self-service keys (Gateway:SelfService on): a visitor names and creates a key on the page, sees it once, uses it
    /// at once, and never sees it again; bad names get clear messages; the per-address limit answers 429 with a message.
    /// </summary>
    [Test]
    public async Task AVisitorCreatesAKeySeesItOnceAndTheAddressLimitHolds()
    {
        await using var page = await _browser.OpenAsync();
        await page.Page.GotoAsync(Url("#/keys"));
        await page.Page.Locator("#key-create-form").WaitForAsync();
        await page.Page.Locator("#key-create").ClickAsync();
        Assert.That(await page.Page.Locator("#key-create-error").InnerTextAsync(), Is.EqualTo("Give the key a name first."));
        await page.Page.Locator("#key-name").FillAsync("my app");
        await page.Page.Locator("#key-create").ClickAsync();
        Assert.That(await page.Page.Locator("#key-create-error").InnerTextAsync(), Does.StartWith("A key's name is 1 to 40 letters"));
        await page.Page.Locator("#key-name").FillAsync("browser-app");
        await page.Page.Locator("#key-create").ClickAsync();
        await page.Page.Locator("#key-created").WaitForAsync();
        var key = (await page.Page.Locator("#key-created-value").InnerTextAsync()).Trim();
        Assert.That(key, Does.Match("^cbr_[A-Za-z0-9_-]{43}$"));
        // In use at once: the gateway knows it, with the configured limits.
        await WaitForTextAsync(page.Page.Locator("#key-info"), "visitor-browser-app-");
        Assert.That(await page.Page.Locator("#key-info").InnerTextAsync(), Does.Contain("20 requests/s").And.Contain("5,000 µCER"));
        var stored = _devnet.Gateway.Gateway().Keys.Find(key)!;
        Assert.That((stored.Budget, stored.RatePerSecond), Is.EqualTo((5000UL, 20d)));
        // Never again: once acknowledged (or on another page), the key is nowhere on the page.
        await page.Page.Locator("#key-created-done").ClickAsync();
        Assert.That(await page.Page.ContentAsync(), Does.Not.Contain(key[4..]));
        await page.Page.GotoAsync(Url("#/nodes"));
        await WaitLiveAsync(page.Page);
        Assert.That(await page.Page.ContentAsync(), Does.Not.Contain(key[4..]));

        // The same address may create 3 an hour: the page's one, two here, then a clear refusal. Bad bodies cost nothing.
        using var anonymous = _devnet.HttpClient();
        using (var bad = await anonymous.PostAsync("/cloud/api/keys", new StringContent("""{ "name": "no spaces please" }""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.That(bad.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await bad.Content.ReadAsStringAsync(), Does.Contain("is not a key name"));
        }
        using (var garbage = await anonymous.PostAsync("/cloud/api/keys", new StringContent("{ name", System.Text.Encoding.UTF8, "application/json")))
            Assert.That(await garbage.Content.ReadAsStringAsync(), Does.Contain("not JSON"));
        for (var i = 0; i < 2; i++)
        {
            using var created = await anonymous.PostAsync("/cloud/api/keys", new StringContent($$"""{ "name": "api-{{i}}" }""", System.Text.Encoding.UTF8, "application/json"));
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
            Assert.That(created.Headers.CacheControl?.NoStore, Is.True);
        }
        using var refused = await anonymous.PostAsync("/cloud/api/keys", new StringContent("""{ "name": "one-more" }""", System.Text.Encoding.UTF8, "application/json"));
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(await refused.Content.ReadAsStringAsync(), Does.Contain("has created its 3 keys for the hour"));
        Assert.That(refused.Headers.RetryAfter, Is.Not.Null);
        Assert.That(page.Errors, Is.Empty);
    }

    /// <summary>The Keys page's usage is the gateway's own account of the key: requests counted, and a chart over time.</summary>
    [Test]
    public async Task TheKeysPageShowsTheKeysUsageOverTime()
    {
        var key = _devnet.CreateKey("cloud-usage", 0);
        using var keyed = _devnet.HttpClient(key);
        var history = _devnet.Gateway.Gateway().UsageHistory;
        // Two bursts of requests, each seen by the gateway's sampling (every 0.5 s here), make two points.
        for (var burst = 1; burst <= 2; burst++)
        {
            for (var i = 0; i < 2; i++)
            {
                using var content = new StringContent(GatewayTestNetwork.AddRequest(i), System.Text.Encoding.UTF8, "application/json");
                using var response = await keyed.PostAsync("/v2/models/add/infer", content);
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            }
            var points = burst;
            await Poll.UntilAsync(() => history.Of("cloud-usage").Count >= points && history.Of("cloud-usage")[^1].Requests >= 2 * points, GatewayTestNetwork.Timeout);
        }
        await using var page = await _browser.OpenAsync();
        await page.Page.GotoAsync(Url("#/keys"));
        await page.Page.Locator("#key-input").FillAsync(key);
        await page.Page.Locator("#key-use").ClickAsync();
        await WaitForTextAsync(page.Page.Locator("#usage"), "Requests over time");
        var usage = await page.Page.Locator("#usage").InnerTextAsync();
        Assert.That(usage, Does.Match(@"Requests\s+[4-9]"));
        Assert.That(usage, Does.Contain("0 µCER"), "the devnet's nodes are free");
        Assert.That(await page.Page.Locator(".usage-chart[data-series='requests'] span").CountAsync(), Is.GreaterThanOrEqualTo(1));
        Assert.That(page.Errors, Is.Empty);
    }

    private static async Task<string[]> PeerIdsAsync(ILocator rows)
    {
        var ids = new List<string>();
        for (var i = 0; i < await rows.CountAsync(); i++)
            ids.Add((await rows.Nth(i).GetAttributeAsync("data-peer-id"))!);
        return [.. ids];
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
            _ => "#offers p, #offers table",
        };
        await page.Locator(selector).First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
    }

    private static Task WaitForTextAsync(ILocator locator, string text) =>
        Assertions.Expect(locator).ToContainTextAsync(text, new LocatorAssertionsToContainTextOptions { Timeout = 30_000 });
}
