using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Market.Payments;
using Cerebrum.Tests.Chain;

namespace Cerebrum.Tests.Market.Payments;

/// <summary>The node's claim policy and claimer: thresholds, age, closing deadlines, restarts, and exact payouts on the ledger.</summary>
[TestFixture]
public sealed class ClaimTests
{
    private static readonly ClaimOptions Options = new() { Threshold = 1_000, MaxAge = TimeSpan.FromMinutes(30), DeadlineMargin = TimeSpan.FromMinutes(10), ClaimOnStart = false };
    private MarketChain _market = null!;
    private ChannelBook _payer = null!;
    private VoucherBook _node = null!;
    private byte[] _channel = null!;

    [SetUp]
    public void SetUp()
    {
        _market = new MarketChain();
        _channel = _market.OpenChannel(100_000);
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

    private VoucherClaimer Claimer(ClaimOptions? options = null) =>
        new(_node, _market.Chain.Node, options ?? Options, Submit, _market.Time);

    private TransactionSubmission Submit(Core.Chain.Proto.Transaction body)
    {
        body.ChainId = _market.Chain.Node.ChainId;
        body.Nonce = _market.Chain.Node.GetNextNonce(_market.Node.PeerId);
        if (body.Fee == 0) body.Fee = _market.Chain.Node.Params.MinFee;
        return _market.Chain.Node.SubmitTransaction(Core.Chain.Transactions.TransactionCodec.Sign(_market.Node, body));
    }

    private void Jobs(int count, ulong price)
    {
        for (var i = 0; i < count; i++)
        {
            var grant = _payer.Pay(_market.Node.PeerId, price).Grant!;
            Assert.That(_node.Charge(_market.Payer.PeerId, grant.ChannelId, grant.Voucher, price).IsPaid, Is.True);
        }
    }

    [Test]
    public void Below_the_threshold_and_young_nothing_is_claimed_then_age_claims_it()
    {
        Jobs(3, 100);
        var claimer = Claimer();
        Assert.That(claimer.ClaimDue(), Is.Empty);
        _market.Time.Advance(TimeSpan.FromMinutes(30));
        var sent = claimer.ClaimDue().Single();
        Assert.That((sent.Amount, sent.Error), Is.EqualTo((300UL, (string?)null)));
        Assert.That(sent.Reason, Does.Contain("unclaimed since"));
        Assert.That(claimer.ClaimDue(), Is.Empty, "a pending claim is not repeated");
    }

    [Test]
    public void Passing_the_threshold_claims_and_the_node_gets_exactly_the_total_less_the_take()
    {
        var before = _market.Chain.Node.GetAccount(_market.Node.PeerId).Balance;
        Jobs(12, 100);
        var sent = Claimer().ClaimDue().Single();
        Assert.That(sent.Amount, Is.EqualTo(1_200));
        _market.Chain.CommitNext();
        var fee = _market.Chain.Node.Params.MinFee;
        Assert.Multiple(() =>
        {
            Assert.That(_market.Chain.Node.GetAccount(_market.Node.PeerId).Balance, Is.EqualTo(before + 1_200 - PaymentMath.Take(1_200, 200) - fee));
            Assert.That(_market.Chain.Node.GetChannel(_channel)!.Paid, Is.EqualTo(1_200));
            Assert.That(_node.Snapshot().Single().Unclaimed, Is.Zero);
        });
        Assert.That(Claimer().ClaimDue(), Is.Empty, "nothing left to claim");
    }

    [Test]
    public void A_closing_channel_is_claimed_before_its_deadline_whatever_the_amount()
    {
        Jobs(1, 5);
        var claimer = Claimer(Options with { DeadlineMargin = TimeSpan.FromMinutes(10) });
        _market.Commit(Txs.CloseChannel(_market.Payer, _market.Chain.Node.GetNextNonce(_market.Payer.PeerId), _channel));
        Assert.That(claimer.ClaimDue(), Is.Empty, "an hour to go");
        var settleAt = DateTimeOffset.FromUnixTimeMilliseconds(_market.Chain.Node.GetChannel(_channel)!.SettleAtUnixMs);
        _market.Chain.CommitNext(settleAt - TimeSpan.FromMinutes(9));
        Assert.That(claimer.ClaimDue().Single().Reason, Does.Contain("deadline"));
        _market.Chain.CommitNext();
        Assert.That(_market.Chain.Node.GetChannel(_channel)!.Paid, Is.EqualTo(5));
    }

    [Test]
    public async Task Vouchers_left_unclaimed_by_a_crash_are_claimed_at_the_first_check_after_the_restart()
    {
        Jobs(2, 100);
        await _market.NodeStore.DisposeAsync();
        _node.Dispose();
        var store = await _market.ReopenNodeStoreAsync();
        _node = new VoucherBook(store, _market.Chain.Node, _market.Node.PeerId, _market.Time);
        var claimer = Claimer(Options with { ClaimOnStart = true });
        Assert.That(claimer.ClaimDue().Single().Amount, Is.EqualTo(200));
        _market.Chain.CommitNext();
        Assert.That(_market.Chain.Node.GetChannel(_channel)!.Paid, Is.EqualTo(200));
    }

    [Test]
    public void A_claim_asked_for_is_sent_now_and_a_settled_channel_is_pruned()
    {
        Jobs(1, 10);
        Assert.That(Claimer().ClaimNow(PaymentIds.ToHex(_channel)).Single().Amount, Is.EqualTo(10));
        Assert.That(Claimer().ClaimNow("0000"), Is.Empty);
        _market.Chain.CommitNext();
        _market.Commit(Txs.CloseChannel(_market.Payer, _market.Chain.Node.GetNextNonce(_market.Payer.PeerId), _channel));
        _market.Chain.CommitNext(_market.Chain.Node.Status.LastTime + _market.Chain.Node.Params.ChannelSettleDelay);
        _market.Commit(Txs.SettleChannel(_market.Payer, _market.Chain.Node.GetNextNonce(_market.Payer.PeerId), _channel));
        Assert.That(_node.Prune(), Is.EqualTo(1));
        Assert.That(_node.Snapshot(), Is.Empty);
    }

    [Test]
    public void The_policy_skips_channels_with_nothing_to_claim_or_past_their_deadline()
    {
        var view = new PayeeChannelView("c", "p", Vouchers.Sign(_market.Payer, "x", new byte[32], 500, 1), 500, DateTimeOffset.UnixEpoch, null,
            new Core.Chain.Proto.ChannelState { Deposit = 1_000, Paid = 500 });
        var now = DateTimeOffset.UnixEpoch + TimeSpan.FromDays(1);
        Assert.That(ClaimPolicy.Due(view, Options, now, 0, firstCheck: true), Is.Null, "all paid");
        var closing = view with { Ledger = new Core.Chain.Proto.ChannelState { Deposit = 1_000, Paid = 0, SettleAtUnixMs = 1_000 } };
        Assert.That(ClaimPolicy.Due(closing, Options, now, 1_000, firstCheck: true), Is.Null, "the deadline has passed");
        Assert.That(ClaimPolicy.Due(closing, Options, now, 999, firstCheck: false), Does.Contain("deadline"));
    }

    [Test]
    public void Ten_thousand_jobs_between_one_payer_and_one_node_cost_two_ledger_transactions()
    {
        var heightBefore = _market.Chain.Node.Status.Height;
        var transactionsBefore = Enumerable.Range(1, (int)heightBefore).Sum(h => _market.Chain.Node.GetBlock((ulong)h)!.Block.Txs.Count);
        Jobs(10_000, 7);
        var claims = Claimer().ClaimNow(null);
        _market.Chain.CommitNext();
        var transactions = Enumerable.Range(1, (int)_market.Chain.Node.Status.Height).Sum(h => _market.Chain.Node.GetBlock((ulong)h)!.Block.Txs.Count);
        Assert.Multiple(() =>
        {
            Assert.That(transactionsBefore, Is.EqualTo(1), "the OpenChannel");
            Assert.That(transactions - transactionsBefore, Is.EqualTo(1), "one ClaimChannel for all 10,000 jobs");
            Assert.That(claims.Single().Amount, Is.EqualTo(70_000));
            Assert.That(_market.Chain.Node.GetChannel(_channel)!.Paid, Is.EqualTo(70_000));
        });
    }
}
