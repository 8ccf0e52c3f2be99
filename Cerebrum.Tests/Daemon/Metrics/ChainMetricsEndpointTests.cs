using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cerebrum.Core.Crypto;
using Cerebrum.Daemon.Admin;
using Cerebrum.Tests.EndToEnd;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Daemon.Metrics;

/// <summary>The ledger's gauges on <c>GET /metrics</c> of a one-validator devnet daemon, against its chain status.</summary>
[TestFixture]
public sealed class ChainMetricsEndpointTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Test]
    public async Task ChainHeightAndMempool_AreWhatTheChainStatusSays()
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var directory = TemporaryDirectory.Create();
        var (data, faucet) = await OneValidatorDevnet.CreateAsync(directory.Path, cts.Token);
        using var faucetKey = faucet;
        // One transaction per block, so that a burst of transfers waits in the mempool for several blocks.
        var genesisPath = Path.Combine(data, "..", "genesis.json");
        var genesis = JsonNode.Parse(await File.ReadAllTextAsync(genesisPath, cts.Token))!.AsObject();
        (genesis["params"] ??= new JsonObject())["maxBlockTxs"] = 1;
        await File.WriteAllTextAsync(genesisPath, genesis.ToJsonString(), cts.Token);
        await using var daemon = await TestDaemon.StartAsync(cts.Token, dataDirectory: data);
        using var http = daemon.AdminClient(Timeout);

        async Task<string> ScrapeAsync() => await http.GetStringAsync(new Uri("metrics", UriKind.Relative), cts.Token);
        async Task<ChainStatusResponse> StatusAsync() => (await http.GetFromJsonAsync<ChainStatusResponse>("chain/status", new JsonSerializerOptions(JsonSerializerDefaults.Web), cts.Token))!;

        using var recipient = PrivateKey.Generate(KeyType.Ed25519);
        for (var nonce = 0UL; nonce < 12; nonce++)
        {
            using var content = new ByteArrayContent(ChainDevnet.Transfer(faucet, recipient.PeerId, 1, nonce));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var submitted = await http.PostAsync(new Uri("chain/txs", UriKind.Relative), content, cts.Token);
            Assert.That(submitted.StatusCode, Is.EqualTo(HttpStatusCode.OK), await submitted.Content.ReadAsStringAsync(cts.Token));
        }

        // The chain moves between two reads: compare a scrape with the status read just before and just after it,
        // and keep the first reading during which nothing moved, while transactions are still waiting.
        var reading = await Poll.UntilAsync(async () => (Before: await StatusAsync(), Body: await ScrapeAsync(), After: await StatusAsync()),
            r => r.Before.Height == r.After.Height && r.Before.PendingTransactions == r.After.PendingTransactions && r.After.PendingTransactions > 0 && r.After.Height >= 2,
            Timeout, r => $"status {r.Before.Height}/{r.Before.PendingTransactions} then {r.After.Height}/{r.After.PendingTransactions}");
        Assert.Multiple(() =>
        {
            Assert.That(reading.Body, Does.Contain("# TYPE cerebrum_chain_height gauge\n"));
            Assert.That(Sample(reading.Body, "cerebrum_chain_height"), Is.EqualTo(reading.After.Height), "the height gauge is the chain's height");
            Assert.That(Sample(reading.Body, "cerebrum_chain_mempool_transactions"), Is.EqualTo(reading.After.PendingTransactions), "the mempool gauge counts the pending transactions");
        });
    }

    private static double Sample(string body, string series)
    {
        var line = body.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? double.NaN : double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }
}
