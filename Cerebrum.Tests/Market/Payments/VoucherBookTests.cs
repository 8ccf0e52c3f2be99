using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Market.Payments;
using Cerebrum.Tests.Chain;
using Google.Protobuf;

namespace Cerebrum.Tests.Market.Payments;

/// <summary>A node's voucher book against a real ledger: Alice pays Bob through a channel of 10,000.</summary>
[TestFixture]
public sealed class VoucherBookTests
{
    private MarketChain _market = null!;
    private VoucherBook _book = null!;
    private byte[] _channel = null!;

    [SetUp]
    public void SetUp()
    {
        _market = new MarketChain();
        _channel = _market.OpenChannel(10_000);
        _book = new VoucherBook(_market.NodeStore, _market.Chain.Node, _market.Node.PeerId, _market.Time);
    }

    [TearDown]
    public async Task TearDown()
    {
        _book.Dispose();
        await _market.DisposeAsync();
    }

    private Voucher Voucher(ulong amount, ulong nonce, byte[]? channel = null) =>
        Vouchers.Sign(_market.Payer, ChainFixture.ChainId, channel ?? _channel, amount, nonce);

    private PaymentDecision Charge(Voucher? voucher, ulong price = 100, byte[]? channel = null) =>
        _book.Charge(_market.Payer.PeerId, channel ?? _channel, voucher, price);

    [Test]
    public async Task A_voucher_covering_the_price_pays_the_job_and_is_durable_before_the_answer()
    {
        var decision = Charge(Voucher(100, 1));
        Assert.That(decision.IsPaid, Is.True, decision.Message);
        await decision.Ticket!.Durable.WaitAsync(TimeSpan.FromSeconds(10));
        var view = _book.Snapshot().Single();
        Assert.Multiple(() =>
        {
            Assert.That((view.Best!.Amount, view.Best.Nonce, view.Consumed), Is.EqualTo((100UL, 1UL, 100UL)));
            Assert.That(view.Unclaimed, Is.EqualTo(100));
            Assert.That(view.UnclaimedSince, Is.EqualTo(_market.Time.GetUtcNow()));
        });
    }

    [Test]
    public void No_voucher_or_too_little_is_payment_required_naming_the_price()
    {
        var none = Charge(null, price: 250);
        Assert.That((none.Error, none.Price), Is.EqualTo((PaymentErrorCode.PaymentRequired, 250UL)));
        var short_ = Charge(Voucher(249, 1), price: 250);
        Assert.That(short_.Error, Is.EqualTo(PaymentErrorCode.PaymentRequired));
        Assert.That(short_.Best?.Amount, Is.EqualTo(249), "the voucher was still adopted as the best");
        Assert.That(Charge(null, price: 250, channel: new byte[3]).Error, Is.EqualTo(PaymentErrorCode.PaymentRequired));
    }

    [Test]
    public void A_credit_window_pays_several_jobs_with_one_signature()
    {
        Assert.That(Charge(Voucher(300, 1)).IsPaid, Is.True);
        Assert.That(Charge(null).IsPaid, Is.True);
        Assert.That(Charge(null).IsPaid, Is.True);
        Assert.That(Charge(null).Error, Is.EqualTo(PaymentErrorCode.PaymentRequired));
        Assert.That(_book.Snapshot().Single().Consumed, Is.EqualTo(300));
    }

    [Test]
    public void Vouchers_arriving_out_of_order_are_served_from_credit_and_refused_only_without_it()
    {
        Assert.That(Charge(Voucher(200, 2)).IsPaid, Is.True, "the later voucher first");
        var early = Charge(Voucher(100, 1));
        Assert.That(early.IsPaid, Is.True, "the earlier job is covered by the credit the later voucher brought");
        var replay = Charge(Voucher(200, 2));
        Assert.That(replay.Error, Is.EqualTo(PaymentErrorCode.StaleVoucher), "a replayed voucher brings no credit");
        Assert.That(replay.Best!.Nonce, Is.EqualTo(2), "the node names its best voucher so the payer can resynchronise");
        var lower = Charge(Voucher(150, 3));
        Assert.That(lower.Error, Is.EqualTo(PaymentErrorCode.StaleVoucher), "a higher nonce with a lower total");
        Assert.That(_book.Snapshot().Single().Consumed, Is.EqualTo(200));
    }

    [Test]
    public void Forged_and_misdirected_vouchers_are_refused()
    {
        Assert.That(Charge(Vouchers.Sign(_market.Chain.Carol, ChainFixture.ChainId, _channel, 100, 1)).Error, Is.EqualTo(PaymentErrorCode.BadVoucher));
        Assert.That(Charge(Vouchers.Sign(_market.Payer, "another-chain", _channel, 100, 1)).Error, Is.EqualTo(PaymentErrorCode.BadVoucher));
        var tampered = Voucher(100, 1);
        tampered.Amount = 5_000;
        Assert.That(Charge(tampered).Error, Is.EqualTo(PaymentErrorCode.BadVoucher));
        var malformed = Voucher(100, 1);
        malformed.ReceiptHash = ByteString.CopyFrom(new byte[7]);
        Assert.That(Charge(malformed).Error, Is.EqualTo(PaymentErrorCode.BadVoucher));
        var other = _market.OpenChannel(10_000);
        Assert.That(Charge(Voucher(100, 1, other)).Error, Is.EqualTo(PaymentErrorCode.BadVoucher), "a voucher of another channel");
        Assert.That(_book.Charge(_market.Chain.Carol.PeerId, _channel, Voucher(100, 1), 100).Error, Is.EqualTo(PaymentErrorCode.WrongChannel), "not the payer asking");
        var toCarol = _market.OpenChannel(1_000, node: _market.Chain.Carol);
        Assert.That(Charge(Voucher(100, 1, toCarol), channel: toCarol).Error, Is.EqualTo(PaymentErrorCode.WrongChannel), "a channel paying another node");
        Assert.That(Charge(Voucher(100, 1, new byte[32]), channel: new byte[32]).Error, Is.EqualTo(PaymentErrorCode.UnknownChannel));
        Assert.That(Charge(Voucher(10_001, 1)).Error, Is.EqualTo(PaymentErrorCode.AboveDeposit));
        Assert.That(_book.Snapshot().Where(v => v.ChannelId == PaymentIds.ToHex(_channel)), Is.Empty, "nothing was adopted");
    }

    [Test]
    public void A_closing_channel_is_refused()
    {
        Assert.That(Charge(Voucher(100, 1)).IsPaid, Is.True);
        _market.Commit(Txs.CloseChannel(_market.Payer, _market.Chain.Node.GetNextNonce(_market.Payer.PeerId), _channel));
        Assert.That(Charge(Voucher(200, 2)).Error, Is.EqualTo(PaymentErrorCode.ChannelClosing));
    }

    [Test]
    public void A_top_up_is_seen_after_its_block()
    {
        Assert.That(Charge(Voucher(12_000, 1)).Error, Is.EqualTo(PaymentErrorCode.AboveDeposit));
        _market.Commit(Txs.TopUpChannel(_market.Payer, _market.Chain.Node.GetNextNonce(_market.Payer.PeerId), _channel, 5_000));
        Assert.That(Charge(Voucher(12_000, 1)).IsPaid, Is.True);
    }

    [Test]
    public void A_refund_gives_a_failed_jobs_price_back_once()
    {
        var paid = Charge(Voucher(100, 1));
        _book.Refund(paid.Ticket!);
        _book.Refund(paid.Ticket!);
        Assert.That(_book.Snapshot().Single().Consumed, Is.Zero);
        Assert.That(Charge(null).IsPaid, Is.True, "the credit is back");
        Assert.That(Charge(null).IsPaid, Is.False);
    }

    [Test]
    public async Task The_best_voucher_and_consumption_survive_a_restart()
    {
        await Charge(Voucher(300, 1)).Ticket!.Durable;
        await Charge(null).Ticket!.Durable;
        _book.Dispose();
        var store = await _market.ReopenNodeStoreAsync();
        _book = new VoucherBook(store, _market.Chain.Node, _market.Node.PeerId, _market.Time);
        var view = _book.Snapshot().Single();
        Assert.That((view.Best!.Amount, view.Consumed), Is.EqualTo((300UL, 200UL)));
        Assert.That(Charge(Voucher(300, 1)).IsPaid, Is.True, "the credit left before the restart pays one more job");
        Assert.That(Charge(Voucher(300, 1)).Error, Is.EqualTo(PaymentErrorCode.StaleVoucher), "the replayed voucher adds nothing");
    }

    [Test]
    public void Concurrent_jobs_with_increasing_vouchers_consume_exactly_their_prices()
    {
        const int jobs = 400;
        var vouchers = Enumerable.Range(1, jobs).Select(i => Voucher((ulong)i * 10, (ulong)i)).ToArray();
        var paid = 0;
        Parallel.For(0, jobs, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            if (Charge(vouchers[i], price: 10).IsPaid) Interlocked.Increment(ref paid);
        });
        var view = _book.Snapshot().Single();
        Assert.That(view.Consumed, Is.EqualTo((ulong)paid * 10));
        Assert.That(view.Best!.Nonce, Is.EqualTo(jobs), "the highest voucher is kept whatever the arrival order");
        Assert.That(paid, Is.EqualTo(jobs), "every job is covered: any arrival order leaves the best voucher ahead of what was consumed");
    }
}
