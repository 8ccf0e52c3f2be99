using Cerebrum.Core.Market;
using Cerebrum.Core.Market.Payments;
using Cerebrum.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Tests.Market;

/// <summary>The Market layer's entry type over a real ledger: a node paid by a payer, and the claim loop it runs.</summary>
[TestFixture]
public sealed class MarketplaceTests
{
    [Test]
    public async Task A_started_node_claims_what_a_previous_run_left_unclaimed()
    {
        await using var market = new MarketChain();
        var channel = market.OpenChannel(10_000);
        var options = new MarketOptions { PricePerRequest = 100, Claims = new ClaimOptions { Threshold = 1_000_000, Interval = TimeSpan.FromMinutes(1) } };
        var nodeDirectory = Path.Combine(market.NodeDirectory, "marketplace");
        await using (var first = Marketplace.Open(nodeDirectory, market.Chain.Node, market.Node, options, market.Chain.Node.SubmitTransaction, NullLogger.Instance, market.Time))
        {
            using var payer = new ChannelBook(market.PayerStore, market.Chain.Node, market.Payer);
            var grant = payer.Pay(market.Node.PeerId, 100).Grant!;
            var decision = first.Payee.Charge(market.Payer.PeerId, grant.ChannelId, grant.Voucher, options.PriceFor("sha256:x"));
            await decision.Ticket!.Durable;
        }
        await using var second = Marketplace.Open(nodeDirectory, market.Chain.Node, market.Node, options, market.Chain.Node.SubmitTransaction, NullLogger.Instance, market.Time);
        second.Start();
        await Poll.UntilAsync(() => market.Chain.Node.PendingTransactions == 1, TimeSpan.FromSeconds(10));
        market.Chain.CommitNext();
        Assert.That(market.Chain.Node.GetChannel(channel)!.Paid, Is.EqualTo(100));
    }

    [Test]
    public void Prices_come_from_the_model_hash_then_its_name_then_the_default()
    {
        var options = new MarketOptions { PricePerRequest = 5, ModelPrices = new Dictionary<string, ulong> { ["sha256:a"] = 7, ["minilm"] = 9 } };
        Assert.That((options.PriceFor("sha256:a", "minilm"), options.PriceFor("sha256:b", "minilm"), options.PriceFor("sha256:b", "x")), Is.EqualTo((7UL, 9UL, 5UL)));
        Assert.Throws<ArgumentException>(() => (options with { OfferLifetime = TimeSpan.FromSeconds(1) }).Validate());
        Assert.Throws<ArgumentException>(() => (options with { Lease = new() { PricePerHour = 0 } }).Validate());
    }
}
