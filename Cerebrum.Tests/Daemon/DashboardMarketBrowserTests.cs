using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Operator.Admin;
using Cerebrum.Tests.Cloud;
using Cerebrum.Tests.TestSupport;
using Microsoft.Playwright;

namespace Cerebrum.Tests.Daemon;

/// <summary>
/// The node dashboard's market views in a real browser (Debian's Chromium through Playwright): a one-validator devnet
/// whose account opens a payment channel through the admin API (as <c>cerebrum channel open</c> does); signed in with a
/// <c>cerebrum dashboard</c> link, the page shows the channel (role, deposit, paid, claimed, state), the leases and the
/// earnings and spend, under its strict policy (no inline script), with no console error.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class DashboardMarketBrowserTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Test]
    public async Task Dashboard_ShowsChannelsLeasesEarningsAndSpend_WithNoConsoleError()
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var directory = TemporaryDirectory.Create();
        var (data, faucet) = await OneValidatorDevnet.CreateAsync(directory.Path, cts.Token);
        faucet.Dispose();
        await using var daemon = await TestDaemon.StartAsync(cts.Token, dataDirectory: data);
        using var admin = daemon.AdminClient(TimeSpan.FromSeconds(30));

        using var node = PrivateKey.Generate(KeyType.Secp256k1);
        using (var opened = await admin.PostAsJsonAsync(new Uri("market/channels", UriKind.Relative), new { node = node.PeerId.ToString(), amount = 5_000_000 }, cts.Token))
            Assert.That(opened.StatusCode, Is.EqualTo(HttpStatusCode.OK), await opened.Content.ReadAsStringAsync(cts.Token));
        var channelId = await Poll.UntilAsync(async () =>
        {
            using var json = JsonDocument.Parse(await admin.GetStringAsync(new Uri("market/channels", UriKind.Relative), cts.Token));
            return json.RootElement.EnumerateArray().Where(c => c.GetProperty("state").GetString() == "open").Select(c => c.GetProperty("id").GetString()).FirstOrDefault();
        }, id => id is not null, Timeout, _ => "the channel is not open on the ledger yet");

        using var link = await admin.PostAsync(new Uri("dashboard/links", UriKind.Relative), null, cts.Token);
        var url = (await link.Content.ReadFromJsonAsync<JsonElement>(cts.Token)).GetProperty("url").GetString()!;

        await using var browser = await CloudBrowser.LaunchAsync();
        await using var page = await browser.OpenAsync();
        await page.Page.GotoAsync(url);
        var channels = page.Page.Locator("#channels");
        await channels.Locator("tr", new LocatorLocatorOptions { HasText = channelId![..8] }).WaitForAsync();
        var row = await channels.Locator("tr").First.InnerTextAsync();
        Assert.That(row, Does.Contain("payer (we pay)").And.Contain("5,000,000 µCER").And.Contain("open"));
        Assert.That(row, Does.Contain(node.PeerId.ToString()[..8]), "the counterparty is the node");
        Assert.That(await page.Page.Locator("#channel-count").InnerTextAsync(), Is.EqualTo("1"));
        Assert.That(await page.Page.Locator("#leases").InnerTextAsync(), Does.Contain("no lease"));
        var earnings = await page.Page.Locator("#earnings").InnerTextAsync();
        Assert.That(earnings, Does.Contain("Spent: deposits in open channels").And.Contain("5,000,000 µCER"));
        Assert.That(earnings, Does.Contain("Earned: channels claimed"));
        Assert.That(await page.Page.Locator("#state").GetAttributeAsync("class"), Is.EqualTo("ok"), await page.Page.Locator("#state").InnerTextAsync());
        Assert.That(page.Errors, Is.Empty, "no console error and no uncaught exception");
    }

    /// <summary>
    /// Amounts beyond 2^53 micro-CER, as the admin API writes them (64-bit JSON numbers), are shown and added up exactly:
    /// the market endpoints are answered by the test with records serialized as the daemon serializes them. As doubles,
    /// 2^52 + (2^52 + 1) would show as 9,007,199,254,740,992 and the unclaimed 8 as 0 or 2,048.
    /// </summary>
    [Test]
    public async Task Dashboard_AddsAmountsBeyond2To53_Exactly()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using var daemon = await TestDaemon.StartAsync(cts.Token);
        using var admin = daemon.AdminClient(TimeSpan.FromSeconds(30));
        var us = PrivateKey.Generate(KeyType.Ed25519).PeerId.ToString();
        var other = PrivateKey.Generate(KeyType.Ed25519).PeerId.ToString();
        var now = DateTime.UtcNow;
        List<ChannelResponse> channels =
        [
            new(new string('a', 64), "payer", us, other, 4_503_599_627_370_496, 0, 0, ChannelResponse.Open, null),
            new(new string('b', 64), "payer", us, other, 4_503_599_627_370_497, 0, 0, ChannelResponse.Open, null),
            new(new string('c', 64), "node", other, us, ulong.MaxValue, 12_345_678_901_234_567_899, 12_345_678_901_234_567_891, ChannelResponse.Open, null),
        ];
        List<LeaseResponse> leases =
        [
            new(new string('d', 64), "tenant", us, other, 2, 4_503_599_627_370_497, 9_007_199_254_740_995, 9_007_199_254_740_993, now, now.AddHours(2), LeaseResponse.Active),
        ];
        var chainStatus = $$"""{ "chainId": "exact-sums", "height": 7, "syncing": false, "pendingTransactions": 0, "isValidator": false, "time": "{{now:O}}" }""";

        using var link = await admin.PostAsync(new Uri("dashboard/links", UriKind.Relative), null, cts.Token);
        var url = (await link.Content.ReadFromJsonAsync<JsonElement>(cts.Token)).GetProperty("url").GetString()!;
        await using var browser = await CloudBrowser.LaunchAsync();
        await using var page = await browser.OpenAsync();
        // This daemon keeps no ledger: the page is told it has one, and given these channels and leases.
        await page.Page.RouteAsync("**/chain/status", route => route.FulfillAsync(new() { Status = 200, ContentType = "application/json", Body = chainStatus }));
        await page.Page.RouteAsync("**/chain/consensus", route => route.FulfillAsync(new() { Status = 404 }));
        await page.Page.RouteAsync("**/market/channels", route => route.FulfillAsync(new()
        {
            Status = 200, ContentType = "application/json", Body = JsonSerializer.Serialize(channels, AdminJsonContext.Default.ListChannelResponse),
        }));
        await page.Page.RouteAsync("**/market/leases", route => route.FulfillAsync(new()
        {
            Status = 200, ContentType = "application/json", Body = JsonSerializer.Serialize(leases, AdminJsonContext.Default.ListLeaseResponse),
        }));
        await page.Page.GotoAsync(url);

        await page.Page.Locator("#channels tr", new PageLocatorOptions { HasText = "cccccccc" }).WaitForAsync();
        var earnings = page.Page.Locator("#earnings");
        await earnings.Locator("text=Spent: deposits in open channels").WaitForAsync();
        var text = await earnings.InnerTextAsync();
        Assert.That(text, Does.Contain("9,007,199,254,740,993 µCER"), "2^52 + (2^52 + 1) deposited");
        Assert.That(text, Does.Contain("12,345,678,901,234,567,891 µCER"), "claimed, beyond 2^63");
        Assert.That(text, Does.Contain("Earned: vouchers not yet claimed\t8 µCER").Or.Contain("Earned: vouchers not yet claimed\n8 µCER"), text);
        Assert.That(text, Does.Contain("9,007,199,254,740,993 µCER of 9,007,199,254,740,995 µCER"), "the lease's accrued of prepaid");
        Assert.That(await page.Page.Locator("#channels").InnerTextAsync(), Does.Contain("18,446,744,073,709,551,615 µCER"), "a deposit of 2^64 - 1");
        Assert.That(page.Errors.Where(e => e.StartsWith("uncaught", StringComparison.Ordinal)), Is.Empty);
    }
}
