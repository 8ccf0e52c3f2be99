using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Market.Payments;
using Cerebrum.Tests.Chain;

namespace Cerebrum.Tests.Market.Payments;

/// <summary>The payer's channel book paying a node's voucher book over a real ledger.</summary>
[TestFixture]
public sealed class ChannelBookTests
{
    private MarketChain _market = null!;
    private ChannelBook _payer = null!;
    private VoucherBook _node = null!;

    [SetUp]
    public void SetUp()
    {
        _market = new MarketChain();
        _payer = new ChannelBook(_market.PayerStore, _market.Chain.Node, _market.Payer);
        _node = new VoucherBook(_market.NodeStore, _market.Chain.Node, _market.Node.PeerId, _market.Time);
    }

    [TearDown]
    public async Task TearDown()
    {
        _payer.Dispose();
        _node.Dispose();
        await _market.DisposeAsync();
    }

    private PaymentDecision Serve(PaymentGrant grant) => _node.Charge(_market.Payer.PeerId, grant.ChannelId, grant.Voucher, grant.Price);

    [Test]
    public void Without_a_channel_the_payer_is_told_to_open_one()
    {
        var (grant, need) = _payer.Pay(_market.Node.PeerId, 100);
        Assert.That(grant, Is.Null);
        Assert.That(need, Is.EqualTo(new FundingNeed(null, 100)));
    }

    [Test]
    public void Every_job_carries_a_voucher_for_exactly_what_was_spent()
    {
        var channel = _market.OpenChannel(1_000);
        ulong[] prices = [100, 7, 250, 1];
        foreach (var price in prices)
        {
            var (grant, _) = _payer.Pay(_market.Node.PeerId, price);
            Assert.That(grant!.Voucher, Is.Not.Null);
            Assert.That(Serve(grant).IsPaid, Is.True);
        }
        var view = _payer.Snapshot().Single();
        Assert.Multiple(() =>
        {
            Assert.That(view.ChannelId, Is.EqualTo(PaymentIds.ToHex(channel)));
            Assert.That((view.Signed, view.Spent, view.Nonce), Is.EqualTo((358UL, 358UL, 4UL)));
            Assert.That(_node.Snapshot().Single().Consumed, Is.EqualTo(358));
        });
    }

    [Test]
    public void A_short_deposit_asks_for_a_top_up_of_the_shortfall()
    {
        var channel = _market.OpenChannel(150);
        Assert.That(Serve(_payer.Pay(_market.Node.PeerId, 100).Grant!).IsPaid, Is.True);
        var (grant, need) = _payer.Pay(_market.Node.PeerId, 100);
        Assert.That(grant, Is.Null);
        Assert.That(need, Is.EqualTo(new FundingNeed(PaymentIds.ToHex(channel), 50)));
        Assert.That(_payer.Pay(_market.Node.PeerId, ulong.MaxValue).Need!.Shortfall, Is.GreaterThan(0), "an absurd price is a shortfall, not an overflow");
    }

    [Test]
    public void A_refunded_job_is_not_counted_and_its_credit_pays_the_next()
    {
        _market.OpenChannel(1_000);
        var first = _payer.Pay(_market.Node.PeerId, 100).Grant!;
        var decision = Serve(first);
        _node.Refund(decision.Ticket!);
        _payer.Refund(first);
        var second = _payer.Pay(_market.Node.PeerId, 100).Grant!;
        Assert.That(second.Voucher, Is.Null, "the signed 100 still covers a job");
        Assert.That(Serve(second).IsPaid, Is.True);
        Assert.That(_payer.Snapshot().Single().Spent, Is.EqualTo(100));
    }

    [Test]
    public void A_credit_window_signs_ahead_so_later_jobs_need_no_signature()
    {
        _market.OpenChannel(1_000);
        using var windowed = new ChannelBook(_market.OpenStore("windowed"), _market.Chain.Node, _market.Payer, creditWindow: 300);
        var grants = Enumerable.Range(0, 5).Select(_ => windowed.Pay(_market.Node.PeerId, 100).Grant!).ToList();
        Assert.That(grants.Select(g => g.Voucher is not null), Is.EqualTo(new[] { true, false, false, false, true }));
        Assert.That(grants[0].Voucher!.Amount, Is.EqualTo(400));
        Assert.That(grants.All(g => Serve(g).IsPaid), Is.True);
    }

    [Test]
    public void A_payer_that_lost_its_book_resynchronises_from_the_nodes_best_voucher()
    {
        _market.OpenChannel(1_000);
        for (var i = 0; i < 3; i++) Assert.That(Serve(_payer.Pay(_market.Node.PeerId, 100).Grant!).IsPaid, Is.True);
        // A fresh book (its store lost): it rediscovers the channel on the ledger and starts from what the ledger paid (0).
        using var amnesiac = new ChannelBook(_market.OpenStore("lost"), _market.Chain.Node, _market.Payer);
        var grant = amnesiac.Pay(_market.Node.PeerId, 100).Grant!;
        var refused = Serve(grant);
        Assert.That(refused.Error, Is.EqualTo(PaymentErrorCode.StaleVoucher));
        amnesiac.Refund(grant);
        Assert.That(amnesiac.Resync(refused.Best!), Is.True);
        var retry = amnesiac.Pay(_market.Node.PeerId, 100).Grant!;
        Assert.That(Serve(retry).IsPaid, Is.True);
        Assert.That(retry.Voucher!.Amount, Is.EqualTo(400), "counted from the node's best, so nothing the node served is paid twice or missed");
        var forged = Vouchers.Sign(_market.Chain.Carol, ChainFixture.ChainId, retry.ChannelId, 9_999, 99);
        Assert.That(amnesiac.Resync(forged), Is.False, "only the payer's own signature is adopted");
    }
}
