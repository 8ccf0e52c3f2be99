using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Tests.Cli;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// What <c>scripts/devnet</c>'s ledger must make true, checked from outside through the CLI and the admin API as a
/// developer would: paid jobs through the gateway's HTTP API put exactly the sum of their prices on the gateway's channel,
/// the node's claim pays it that minus the take (and its fee), the supply never moves, and a lease opened with
/// <c>cerebrum lease open</c> makes the node refuse everyone but its tenant (the gateway), whose jobs it serves, and
/// <c>lease close</c> refunds the unused time to the micro-CER.
/// </summary>
internal sealed class DevnetLedgerChecks(string url, string state, string nodeAddress)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const int Jobs = 5;

    private string Gateway => Path.Combine(state, "gateway");

    private string Node => Path.Combine(state, "node-1");

    private string Validator => Path.Combine(state, "ledger", "v0");

    private string NodeId => nodeAddress[(nodeAddress.LastIndexOf("/p2p/", StringComparison.Ordinal) + "/p2p/".Length)..];

    public async Task RunAsync(ulong price, int answeredBefore)
    {
        var chainParams = new ChainParams();
        var supply = await JsonAsync("chain", "supply", "--json", "--data-dir", Validator);
        var genesisSupply = supply.GetProperty("genesis").GetUInt64();
        var nodeBefore = await BalanceAsync(NodeId);

        // Paid jobs through the open gateway: each is one job on the devnet's one node.
        using var http = new HttpClient { BaseAddress = new Uri(url + "/"), Timeout = TimeSpan.FromSeconds(30) };
        for (var i = 0; i < Jobs; i++) await EmbedAsync(http, $"paid job {i}");
        var answered = (ulong)(answeredBefore + Jobs);
        var paid = answered * price;

        var gatewayChannels = (await JsonAsync("channel", "list", "--json", "--data-dir", Gateway)).EnumerateArray().Where(c => c.GetProperty("role").GetString() == "payer").ToList();
        Assert.That(gatewayChannels, Has.Count.EqualTo(1), "the gateway opened one channel, to the one node");
        var channel = gatewayChannels[0];
        Assert.That(channel.GetProperty("node").GetString(), Is.EqualTo(NodeId));
        Assert.That(channel.GetProperty("paid").GetUInt64(), Is.EqualTo(paid), "the gateway's channel total is the sum of the prices of the answered jobs");
        // (The devnet's gateway is open: usage is booked per API key, which PaidGatewayEndToEndTests checks.)

        // The node claims now; its balance grows by the vouchers' total minus the take, less its claim's fee.
        var channelId = channel.GetProperty("id").GetString()!;
        await CliOkAsync("channel", "claim", channelId, "--data-dir", Node);
        await Poll.UntilAsync(async () => (await NodeChannelAsync(channelId)).GetProperty("claimed").GetUInt64() == paid, Timeout);
        var claimFee = await FeeOfAsync("claimChannel", NodeId);
        var nodeAfter = await BalanceAsync(NodeId);
        Assert.That(nodeAfter - nodeBefore, Is.EqualTo(paid - PaymentMath.Take(paid, chainParams.TakeRateBasisPoints) - claimFee),
            "the node's balance grew by the prices minus the take (and its claim's fee)");

        // A lease: the gateway rents the node for an hour at the price its offer on cerebrum/1/offers names.
        await Poll.UntilAsync(async () => (await JsonAsync("market", "offers", "--json", "--data-dir", Gateway)).EnumerateArray()
            .Any(o => o.GetProperty("node").GetString() == NodeId && o.TryGetProperty("leasePricePerHour", out var p) && p.ValueKind == JsonValueKind.Number), Timeout);
        var gatewayId = (await JsonAsync("status", "--json", "--data-dir", Gateway)).GetProperty("peerId").GetString()!;
        var leaseLine = (await CliOkAsync("lease", "open", "--node", NodeId, "--hours", "1", "--data-dir", Gateway)).Trim();
        Assert.That(leaseLine, Does.Match("^lease [0-9a-f]{64} active until .+$"));
        var leaseId = leaseLine.Split(' ')[1];
        var lease = (await JsonAsync("lease", "list", "--json", "--data-dir", Gateway)).EnumerateArray().Single(l => l.GetProperty("id").GetString() == leaseId);
        Assert.That((lease.GetProperty("tenant").GetString(), lease.GetProperty("node").GetString()), Is.EqualTo((gatewayId, NodeId)));
        var terms = new LeaseState
        {
            Hours = lease.GetProperty("hours").GetUInt32(),
            PricePerHour = lease.GetProperty("pricePerHour").GetUInt64(),
            Prepaid = lease.GetProperty("prepaid").GetUInt64(),
            StartUnixMs = new DateTimeOffset(lease.GetProperty("start").GetDateTime(), TimeSpan.Zero).ToUnixTimeMilliseconds(),
            EndUnixMs = new DateTimeOffset(lease.GetProperty("end").GetDateTime(), TimeSpan.Zero).ToUnixTimeMilliseconds(),
        };
        Assert.That(terms.Prepaid, Is.EqualTo(terms.PricePerHour), "one hour prepaid");

        // Everyone else gets the typed 'leased' error (here a throwaway identity dialling the node directly) ...
        await Poll.UntilAsync(async () => (await CliHelpTests.RunAsync("embed", "--peer", nodeAddress, "hello")).Stderr.Contains("leased", StringComparison.Ordinal), Timeout);
        var (refusedExit, _, refused) = await CliHelpTests.RunAsync("embed", "--peer", nodeAddress, "hello");
        Assert.That(refusedExit, Is.Not.Zero);
        Assert.That(refused, Does.Contain("leased"), refused);
        // ... and the tenant is served: the gateway's jobs go on, free (the lease prepaid them).
        for (var i = 0; i < 2; i++) await EmbedAsync(http, $"leased job {i}");
        Assert.That((await NodeChannelAsync(channelId)).GetProperty("paid").GetUInt64(), Is.EqualTo(paid), "the tenant's jobs are not charged to its channel");
        var gatewayChannel = (await JsonAsync("channel", "list", "--json", "--data-dir", Gateway)).EnumerateArray().Single(c => c.GetProperty("id").GetString() == channelId);
        Assert.That(gatewayChannel.GetProperty("paid").GetUInt64(), Is.EqualTo(paid), "nor does the gateway promise them on it");

        // Closing it early refunds the unused time exactly: the node is paid what accrued by the closing block's time.
        var gatewayBeforeClose = await BalanceAsync(gatewayId);
        var nodeBeforeClose = await BalanceAsync(NodeId);
        var closed = (await CliOkAsync("lease", "close", leaseId, "--data-dir", Gateway)).Trim();
        Assert.That(closed, Is.EqualTo($"lease {leaseId} closed (prepaid {terms.Prepaid} micro-CER)"));
        var (closeBlock, closeFee) = await FindTransactionAsync("closeLease", gatewayId);
        var accrued = PaymentMath.Accrued(terms, new DateTimeOffset(closeBlock.GetProperty("time").GetDateTime(), TimeSpan.Zero).ToUnixTimeMilliseconds());
        Assert.That(accrued, Is.GreaterThan(0UL).And.LessThan(terms.Prepaid), "closed early, after some time");
        Assert.That(await BalanceAsync(gatewayId) - gatewayBeforeClose, Is.EqualTo(terms.Prepaid - accrued - closeFee), "the tenant got the unused time back, to the micro-CER");
        Assert.That(await BalanceAsync(NodeId) - nodeBeforeClose, Is.EqualTo(accrued - PaymentMath.Take(accrued, chainParams.TakeRateBasisPoints)),
            "the node was paid the accrued time minus the take");
        Assert.That((await JsonAsync("lease", "list", "--json", "--data-dir", Gateway)).EnumerateArray().Any(l => l.GetProperty("id").GetString() == leaseId), Is.False);

        // Nothing minted or lost at any height: the validator recounts the supply after every block.
        supply = await JsonAsync("chain", "supply", "--json", "--data-dir", Validator);
        Assert.That(supply.GetProperty("total").GetUInt64(), Is.EqualTo(genesisSupply));
        Assert.That(supply.GetProperty("audited").GetBoolean(), Is.True);
        Assert.That(supply.TryGetProperty("firstMismatchHeight", out var mismatch) && mismatch.ValueKind != JsonValueKind.Null, Is.False, supply.ToString());
    }

    private static async Task EmbedAsync(HttpClient http, string text)
    {
        using var response = await http.PostAsync("v1/embeddings",
            new StringContent(JsonSerializer.Serialize(new { model = "all-minilm-l6-v2", input = text }), Encoding.UTF8, "application/json"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    private async Task<JsonElement> NodeChannelAsync(string channelId) =>
        (await JsonAsync("channel", "list", "--json", "--data-dir", Node)).EnumerateArray().Single(c => c.GetProperty("id").GetString() == channelId);

    private async Task<ulong> BalanceAsync(string account) =>
        (await JsonAsync("account", "show", account, "--json", "--data-dir", Validator)).GetProperty("balance").GetUInt64();

    private async Task<ulong> FeeOfAsync(string type, string sender) => (await FindTransactionAsync(type, sender)).Fee;

    /// <summary>The latest block (the validator's view) holding a transaction of <paramref name="type"/> from <paramref name="sender"/>, and that transaction's fee.</summary>
    private async Task<(JsonElement Block, ulong Fee)> FindTransactionAsync(string type, string sender)
    {
        // The CLI waited for the transaction's block on another daemon: the validator has it too once its height caught up.
        using var admin = AdminClient(Validator);
        var height = (await GetJsonAsync(admin, "chain/status")).GetProperty("height").GetUInt64();
        for (var h = height; h > 0 && h + 40 > height; h--)
        {
            var block = await GetJsonAsync(admin, "chain/blocks/" + h.ToString(CultureInfo.InvariantCulture));
            foreach (var tx in block.GetProperty("transactions").EnumerateArray())
                if (tx.GetProperty("type").GetString() == type && tx.GetProperty("sender").GetString() == sender)
                    return (block, tx.GetProperty("fee").GetUInt64());
        }
        Assert.Fail($"no {type} transaction from {sender} in the last 40 blocks below height {height}");
        throw new InvalidOperationException("unreachable");
    }

    private static HttpClient AdminClient(string dataDirectory)
    {
        var client = new HttpClient
        {
            BaseAddress = new Uri(File.ReadAllText(Path.Combine(dataDirectory, "admin.url")).Trim()),
            Timeout = TimeSpan.FromSeconds(30),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(dataDirectory, ".cookie")).Trim());
        return client;
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.IsSuccessStatusCode, Is.True, $"{path}: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.Clone();
    }

    private static async Task<string> CliOkAsync(params string[] args)
    {
        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync(args);
        Assert.That(exitCode, Is.Zero, $"cerebrum {string.Join(' ', args)}: {stderr}");
        return stdout;
    }

    private static async Task<JsonElement> JsonAsync(params string[] args)
    {
        using var json = JsonDocument.Parse(await CliOkAsync(args));
        return json.RootElement.Clone();
    }
}
