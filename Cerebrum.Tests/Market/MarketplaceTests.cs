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
        var options = new MarketOptions { Claims = new ClaimOptions { Threshold = 1_000_000, Interval = TimeSpan.FromMinutes(1) } };
        var nodeDirectory = Path.Combine(market.NodeDirectory, "marketplace");
        await using (var first = Marketplace.Open(nodeDirectory, market.Chain.Node, market.Node, options, market.Chain.Node.SubmitTransaction, NullLogger.Instance, market.Time))
        {
            using var payer = new ChannelBook(market.PayerStore, market.Chain.Node, market.Payer);
            var grant = payer.Pay(market.Node.PeerId, 100).Grant!;
            var decision = first.Payee.Charge(market.Payer.PeerId, grant.ChannelId, grant.Voucher, 100);
            await decision.Ticket!.Durable;
        }
        await using var second = Marketplace.Open(nodeDirectory, market.Chain.Node, market.Node, options, market.Chain.Node.SubmitTransaction, NullLogger.Instance, market.Time);
        second.Start();
        await Poll.UntilAsync(() => market.Chain.Node.PendingTransactions == 1, TimeSpan.FromSeconds(10));
        market.Chain.CommitNext();
        Assert.That(market.Chain.Node.GetChannel(channel)!.Paid, Is.EqualTo(100));
    }

    [Test]
    public void Invalid_options_are_refused_at_start()
    {
        var options = new MarketOptions();
        Assert.DoesNotThrow(options.Validate);
        Assert.Throws<ArgumentException>(() => (options with { OfferLifetime = TimeSpan.FromSeconds(1) }).Validate());
        Assert.Throws<ArgumentException>(() => (options with { Lease = new() { PricePerHour = 0 } }).Validate());
        Assert.Throws<ArgumentException>(() => (options with { Claims = new() { Interval = TimeSpan.Zero } }).Validate());
    }
}
