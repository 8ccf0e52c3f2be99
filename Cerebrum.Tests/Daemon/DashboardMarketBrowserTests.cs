using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cerebrum.Core.Crypto;
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
}
