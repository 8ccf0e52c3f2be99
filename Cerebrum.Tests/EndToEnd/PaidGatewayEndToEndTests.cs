using System.Text.Json;
using System.Text.Json.Nodes;
using Cerebrum.Core.Chain.Payments;
using Cerebrum.Daemon.Chain;
using Cerebrum.Daemon.Market;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// Real daemons on a one-validator devnet: the validator is also the gateway (its account funded in genesis), and a
/// node that follows the chain asks 25 micro-CER a request. Jobs through the gateway's HTTP API open a channel by
/// themselves, every job is paid exactly its price, the key's usage says so, and the node's claim pays it that minus
/// the take.
/// </summary>
[TestFixture]
public sealed class PaidGatewayEndToEndTests
{
    private const ulong Price = 25;
    private const int Jobs = 6;

    [Test]
    public async Task Jobs_through_a_paying_gateway_pay_the_node_exactly_the_sum_of_their_prices()
    {
        using var cts = new CancellationTokenSource(GatewayTestNetwork.Timeout);
        using var directory = TemporaryDirectory.Create();
        var (validatorData, faucet) = await OneValidatorDevnet.CreateAsync(directory.Path, cts.Token);
        using var faucetKey = faucet;
        var genesis = Path.Combine(directory.Path, "devnet", "genesis.json");
        var configPath = Path.Combine(validatorData, "config.json");
        var config = JsonNode.Parse(await File.ReadAllTextAsync(configPath, cts.Token))!.AsObject();
        // The node is not registered or verified (this test is about payment), so the gateway routes to any node.
        config["Gateway"] = new JsonObject { ["Http"] = "127.0.0.1:0", ["Routing"] = new JsonObject { ["Admission"] = "Any" }, ["Payments"] = new JsonObject { ["Deposit"] = 1_000 } };
        await File.WriteAllTextAsync(configPath, config.ToJsonString(), cts.Token);
        var appKey = (await GatewayTestNetwork.RunCliOkAsync("gateway", "key", "create", "--name", "app", "--data-dir", validatorData)).Trim();
        await using var gateway = await TestDaemon.StartAsync(cts.Token, dataDirectory: validatorData, modes: ["validator", "gateway"]);

        var nodeData = await GatewayTestNetwork.PrepareNodeAsync(directory.Path, "node");
        await File.WriteAllTextAsync(Path.Combine(nodeData, "config.json"),
            $$"""{ "Node": { "HeartbeatInterval": "00:00:00.200", "PricePerRequest": {{Price}} }, "Chain": { "Genesis": {{JsonSerializer.Serialize(genesis)}} } }""", cts.Token);
        await using var node = await TestDaemon.StartAsync(cts.Token, dataDirectory: nodeData, bootstrapPeers: [gateway.ListenAddress], modes: ["node"]);
        // The node pays its claim's fee from its own balance.
        await GatewayTestNetwork.RunCliOkAsync("tx", "transfer", "--key", Path.Combine(directory.Path, "devnet", "faucet.key"), "--to", node.PeerId.ToString(),
            "--amount", "1000", "--wait", "--data-dir", validatorData);
        await gateway.WaitForRoutesAsync("add", 1);

        using var http = gateway.HttpClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", appKey);
        for (var i = 0; i < Jobs; i++)
        {
            var (status, body) = await http.PostJsonAsync("v2/models/add/infer", GatewayTestNetwork.AddRequest(i), cts.Token);
            Assert.That(status, Is.EqualTo(200), body.ToString());
        }

        var gatewayMarket = gateway.Application.Services.GetRequiredService<MarketService>().Market;
        var nodeMarket = node.Application.Services.GetRequiredService<MarketService>().Market;
        const ulong total = Jobs * Price;
        var channel = gatewayMarket.Payer.Snapshot().Single();
        Assert.That(channel.Node, Is.EqualTo(node.PeerId.ToString()));
        Assert.That(channel.Spent, Is.EqualTo(total), "the gateway's channel total is the sum of the prices of the answered jobs");
        Assert.That(nodeMarket.Payee.Snapshot().Single().Consumed, Is.EqualTo(total));
        using (var usage = JsonDocument.Parse(await GatewayTestNetwork.RunCliOkAsync("gateway", "usage", "--json", "--data-dir", validatorData)))
        {
            var app = usage.RootElement.EnumerateArray().Single();
            Assert.That((app.GetProperty("requests").GetInt64(), app.GetProperty("spent").GetUInt64()), Is.EqualTo(((long)Jobs, total)));
        }

        var nodeChain = node.Application.Services.GetRequiredService<ChainService>().Chain;
        var before = nodeChain.GetAccount(node.PeerId).Balance;
        Assert.That(nodeMarket.Claimer.ClaimNow(null).Single().Error, Is.Null);
        var channelId = Convert.FromHexString(channel.ChannelId);
        await Poll.UntilAsync(() => nodeChain.GetChannel(channelId)?.Paid == total, GatewayTestNetwork.Timeout);
        var after = nodeChain.GetAccount(node.PeerId).Balance;
        Assert.That(after - before, Is.EqualTo(total - PaymentMath.Take(total, nodeChain.Params.TakeRateBasisPoints) - nodeChain.Params.MinFee),
            "the node's balance grew by the prices minus the take (and its claim's fee)");
    }
}
