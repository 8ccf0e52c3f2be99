using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Blocks;
using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Tests.Chain.Payments;

/// <summary>The payment-channel transactions on a chain: Alice pays, Bob is the node, Carol is anyone else.</summary>
[TestFixture]
public sealed class PaymentChannelTests
{
    private const ulong Fee = 10;
    private ChainFixture _chain = null!;

    [SetUp]
    public void SetUp() => _chain = new ChainFixture();

    [TearDown]
    public void TearDown() => _chain.Dispose();

    private ulong Balance(PrivateKey key) => _chain.Node.GetAccount(key.PeerId).Balance;

    private ulong ProposerBalance => _chain.Node.GetAccount(_chain.Validators[0].PeerId).Balance;

    private FinalizedBlock Apply(DateTimeOffset? time, params byte[][] txs)
    {
        foreach (var tx in txs) _chain.Submit(tx);
        var block = _chain.CommitNext(time);
        Assert.That(block.Block.Txs, Has.Count.EqualTo(txs.Length), "every submitted transaction is in the block");
        return block;
    }

    private FinalizedBlock Apply(params byte[][] txs) => Apply(null, txs);

    private byte[] Open(ulong amount = 10_000)
    {
        var nonce = _chain.Node.GetNextNonce(_chain.Alice.PeerId);
        Apply(Txs.OpenChannel(_chain.Alice, nonce, _chain.Bob.PeerId, amount));
        return PaymentIds.Channel(_chain.Alice.PeerId, nonce);
    }

    private Voucher Voucher(byte[] channel, ulong amount, ulong nonce, PrivateKey? signer = null, string chainId = ChainFixture.ChainId) =>
        Vouchers.Sign(signer ?? _chain.Alice, chainId, channel, amount, nonce, new byte[32]);

    private byte[] Claim(Voucher voucher, PrivateKey? sender = null)
    {
        var node = sender ?? _chain.Bob;
        return Txs.ClaimChannel(node, _chain.Node.GetNextNonce(node.PeerId), voucher);
    }

    private DateTimeOffset LastTime => _chain.Node.Status.LastTime;

    [Test]
    public void Open_moves_the_deposit_from_the_payers_balance_into_a_channel_named_by_payer_and_nonce()
    {
        var channel = Open(10_000);
        var state = _chain.Node.GetChannel(channel);
        Assert.That(state, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(state!.Payer.ToByteArray(), Is.EqualTo(_chain.Alice.PeerId.Bytes.ToArray()));
            Assert.That(state.Node.ToByteArray(), Is.EqualTo(_chain.Bob.PeerId.Bytes.ToArray()));
            Assert.That((state.Deposit, state.Paid, state.Nonce, state.SettleAtUnixMs), Is.EqualTo((10_000UL, 0UL, 0UL, 0L)));
            Assert.That(Balance(_chain.Alice), Is.EqualTo(ChainFixture.UserBalance - 10_000 - Fee));
            Assert.That(_chain.Node.Supply.Channels, Is.EqualTo(10_000));
            Assert.That(_chain.Node.ListChannels(_chain.Bob.PeerId).Single().Key, Is.EqualTo(PaymentIds.ToHex(channel)));
            Assert.That(_chain.Node.ListChannels(_chain.Carol.PeerId), Is.Empty);
        });
    }

    [Test]
    public void Claims_pay_the_node_each_vouchers_total_minus_what_was_paid_less_the_take()
    {
        var channel = Open(10_000);
        var proposerBefore = ProposerBalance;
        Apply(Claim(Voucher(channel, 3_000, 1)));
        // 2 % of 3,000 is 60: the node gets 2,940, the proposer the take and the fee.
        Assert.That(Balance(_chain.Bob), Is.EqualTo(ChainFixture.UserBalance - Fee + 2_940));
        Assert.That(ProposerBalance - proposerBefore, Is.EqualTo(60 + Fee));
        Apply(Claim(Voucher(channel, 3_333, 7)));
        // The second claim pays 333, of which the take is floor(6.66) = 6.
        Assert.That(Balance(_chain.Bob), Is.EqualTo(ChainFixture.UserBalance - 2 * Fee + 2_940 + 327));
        var state = _chain.Node.GetChannel(channel)!;
        Assert.That((state.Paid, state.Nonce), Is.EqualTo((3_333UL, 7UL)));
        Assert.That(_chain.Node.Supply.Channels, Is.EqualTo(10_000 - 3_333));
    }

    [Test]
    public void A_replayed_voucher_is_stale()
    {
        var channel = Open();
        var voucher = Voucher(channel, 1_000, 1);
        Apply(Claim(voucher));
        _chain.Refused(Claim(voucher), ChainErrorCode.StaleVoucher);
    }

    [Test]
    public void A_voucher_older_by_nonce_or_amount_is_stale()
    {
        var channel = Open();
        var newer = Voucher(channel, 2_000, 5);
        var lowerNonce = Voucher(channel, 2_500, 4);
        var lowerAmount = Voucher(channel, 1_500, 6);
        var sameAmount = Voucher(channel, 2_000, 9);
        Apply(Claim(newer));
        _chain.Refused(Claim(lowerNonce), ChainErrorCode.StaleVoucher);
        _chain.Refused(Claim(lowerAmount), ChainErrorCode.StaleVoucher);
        _chain.Refused(Claim(sameAmount), ChainErrorCode.StaleVoucher);
        Assert.That(_chain.Node.GetChannel(channel)!.Paid, Is.EqualTo(2_000), "nothing was paid twice");
    }

    [Test]
    public void Forged_vouchers_are_refused()
    {
        var channel = Open();
        _chain.Refused(Claim(Voucher(channel, 1_000, 1, signer: _chain.Carol)), ChainErrorCode.BadVoucherSignature);
        _chain.Refused(Claim(Voucher(channel, 1_000, 1, signer: _chain.Bob)), ChainErrorCode.BadVoucherSignature);
        _chain.Refused(Claim(Voucher(channel, 1_000, 1, chainId: "another-chain")), ChainErrorCode.BadVoucherSignature);
        var raised = Voucher(channel, 1_000, 1);
        raised.Amount = 9_000;
        _chain.Refused(Claim(raised), ChainErrorCode.BadVoucherSignature);
        var otherReceipt = Voucher(channel, 1_000, 1);
        otherReceipt.ReceiptHash = ByteString.CopyFrom(Enumerable.Repeat((byte)1, 32).ToArray());
        _chain.Refused(Claim(otherReceipt), ChainErrorCode.BadVoucherSignature);
        var noSignature = Voucher(channel, 1_000, 1);
        noSignature.Signature = ByteString.Empty;
        _chain.Refused(Claim(noSignature), ChainErrorCode.InvalidField);
        var zeroNonce = Voucher(channel, 1_000, 0);
        _chain.Refused(Claim(zeroNonce), ChainErrorCode.InvalidField);
        var shortReceipt = Voucher(channel, 1_000, 1);
        shortReceipt.ReceiptHash = ByteString.CopyFrom(new byte[31]);
        _chain.Refused(Claim(shortReceipt), ChainErrorCode.InvalidField);
    }

    [Test]
    public void A_voucher_above_the_deposit_is_refused_until_a_top_up_covers_it()
    {
        var channel = Open(1_000);
        var voucher = Voucher(channel, 1_500, 1);
        _chain.Refused(Claim(voucher), ChainErrorCode.VoucherAboveDeposit);
        Apply(Txs.TopUpChannel(_chain.Alice, 1, channel, 500));
        Apply(Claim(voucher));
        Assert.That(_chain.Node.GetChannel(channel)!.Paid, Is.EqualTo(1_500));
    }

    [Test]
    public void Vouchers_of_another_channel_are_refused()
    {
        var first = Open();
        var second = Open();
        var forFirst = Voucher(first, 1_000, 1);
        var moved = forFirst.Clone();
        moved.ChannelId = ByteString.CopyFrom(second);
        _chain.Refused(Claim(moved), ChainErrorCode.BadVoucherSignature);
        _chain.Refused(Claim(forFirst, sender: _chain.Carol), ChainErrorCode.NotChannelNode);
        _chain.Refused(Claim(forFirst, sender: _chain.Alice), ChainErrorCode.NotChannelNode);
        _chain.Refused(Claim(Voucher(new byte[32], 1, 1)), ChainErrorCode.UnknownChannel);
        var shortId = Voucher(first, 1, 1);
        shortId.ChannelId = ByteString.CopyFrom(new byte[5]);
        _chain.Refused(Claim(shortId), ChainErrorCode.InvalidField);
    }

    [Test]
    public void Only_the_payer_tops_up_and_closes()
    {
        var channel = Open();
        _chain.Refused(Txs.TopUpChannel(_chain.Bob, 0, channel, 5), ChainErrorCode.NotChannelPayer);
        _chain.Refused(Txs.CloseChannel(_chain.Bob, 0, channel), ChainErrorCode.NotChannelPayer);
        _chain.Refused(Txs.CloseChannel(_chain.Carol, 0, channel), ChainErrorCode.NotChannelPayer);
        _chain.Refused(Txs.TopUpChannel(_chain.Alice, 1, new byte[32], 5), ChainErrorCode.UnknownChannel);
        _chain.Refused(Txs.TopUpChannel(_chain.Alice, 1, channel, 0), ChainErrorCode.InvalidAmount);
        _chain.Refused(Txs.TopUpChannel(_chain.Alice, 1, channel, ChainFixture.UserBalance), ChainErrorCode.InsufficientBalance);
    }

    [Test]
    public void Open_refuses_oneself_a_bad_node_no_amount_and_an_uncovered_amount()
    {
        _chain.Refused(Txs.OpenChannel(_chain.Alice, 0, _chain.Alice.PeerId, 5), ChainErrorCode.InvalidField);
        _chain.Refused(Txs.Sign(_chain.Alice, 0, t => t.OpenChannel = new OpenChannel { Node = ByteString.CopyFrom([1, 2, 3]), Amount = 5 }), ChainErrorCode.InvalidField);
        _chain.Refused(Txs.OpenChannel(_chain.Alice, 0, _chain.Bob.PeerId, 0), ChainErrorCode.InvalidAmount);
        _chain.Refused(Txs.OpenChannel(_chain.Alice, 0, _chain.Bob.PeerId, ChainFixture.UserBalance), ChainErrorCode.InsufficientBalance);
    }

    [Test]
    public void A_closing_channel_takes_claims_until_its_deadline_then_settles_the_rest_to_the_payer()
    {
        var channel = Open(10_000);
        Apply(Claim(Voucher(channel, 1_000, 1)));
        var closeBlock = Apply(Txs.CloseChannel(_chain.Alice, 1, channel));
        var deadline = closeBlock.Block.Header.TimeUnixMs + (long)_chain.Node.Params.ChannelSettleDelay.TotalMilliseconds;
        Assert.That(_chain.Node.GetChannel(channel)!.SettleAtUnixMs, Is.EqualTo(deadline));
        _chain.Refused(Txs.TopUpChannel(_chain.Alice, 2, channel, 5), ChainErrorCode.ChannelClosing);
        _chain.Refused(Txs.CloseChannel(_chain.Alice, 2, channel), ChainErrorCode.ChannelClosing);
        _chain.Refused(Txs.SettleChannel(_chain.Alice, 2, channel), ChainErrorCode.SettleDelayNotOver);

        // The node may still claim in a block one millisecond before the deadline.
        Apply(DateTimeOffset.FromUnixTimeMilliseconds(deadline - 1), Claim(Voucher(channel, 4_000, 2)));
        _chain.CommitNext(DateTimeOffset.FromUnixTimeMilliseconds(deadline));
        _chain.Refused(Claim(Voucher(channel, 5_000, 3)), ChainErrorCode.SettleDeadlinePassed);

        var aliceBefore = Balance(_chain.Alice);
        var carolBefore = Balance(_chain.Carol);
        Apply(Txs.SettleChannel(_chain.Carol, 0, channel));
        Assert.Multiple(() =>
        {
            Assert.That(Balance(_chain.Alice), Is.EqualTo(aliceBefore + 6_000), "the unpaid rest returns to the payer");
            Assert.That(Balance(_chain.Carol), Is.EqualTo(carolBefore - Fee), "anyone may settle, paying only the fee");
            Assert.That(_chain.Node.GetChannel(channel), Is.Null);
            Assert.That(_chain.Node.Supply.Channels, Is.Zero);
        });
        _chain.Refused(Txs.SettleChannel(_chain.Alice, 2, channel), ChainErrorCode.UnknownChannel);
    }

    [Test]
    public void An_open_channel_cannot_be_settled() =>
        _chain.Refused(Txs.SettleChannel(_chain.Alice, 1, Open()), ChainErrorCode.ChannelNotClosing);

    [Test]
    public void A_claim_and_a_close_in_one_block_both_apply_in_either_order()
    {
        var first = Open();
        var second = Open();
        _chain.Submit(Claim(Voucher(first, 700, 1)));
        _chain.Submit(Txs.CloseChannel(_chain.Alice, 2, first));
        _chain.Submit(Txs.CloseChannel(_chain.Alice, 3, second));
        _chain.Submit(Txs.ClaimChannel(_chain.Bob, _chain.Node.GetNextNonce(_chain.Bob.PeerId), Voucher(second, 800, 1)));
        var block = _chain.CommitNext();
        Assert.That(block.Block.Txs, Has.Count.EqualTo(4));
        Assert.Multiple(() =>
        {
            Assert.That(_chain.Node.GetChannel(first)!.Paid, Is.EqualTo(700));
            Assert.That(_chain.Node.GetChannel(second)!.Paid, Is.EqualTo(800));
            Assert.That(_chain.Node.GetChannel(first)!.SettleAtUnixMs, Is.Not.Zero);
        });
    }

    [Test]
    public void At_the_deadline_a_settle_wins_and_a_later_claim_finds_no_channel()
    {
        var channel = Open(5_000);
        var close = Apply(Txs.CloseChannel(_chain.Alice, 1, channel));
        var deadline = close.Block.Header.TimeUnixMs + (long)_chain.Node.Params.ChannelSettleDelay.TotalMilliseconds;
        _chain.CommitNext(DateTimeOffset.FromUnixTimeMilliseconds(deadline));
        var aliceBefore = Balance(_chain.Alice);
        Apply(Txs.SettleChannel(_chain.Alice, 2, channel));
        _chain.Refused(Claim(Voucher(channel, 5_000, 1)), ChainErrorCode.UnknownChannel);
        Assert.That(Balance(_chain.Alice), Is.EqualTo(aliceBefore + 5_000 - Fee));
    }

    [Test]
    public void A_claim_proposed_after_the_deadline_is_left_out_of_the_block()
    {
        var channel = Open(5_000);
        var close = Apply(Txs.CloseChannel(_chain.Alice, 1, channel));
        var deadline = close.Block.Header.TimeUnixMs + (long)_chain.Node.Params.ChannelSettleDelay.TotalMilliseconds;
        // The mempool judges by the last block's time, so it admits the claim; a proposal at the deadline leaves it out.
        _chain.Submit(Claim(Voucher(channel, 5_000, 1)));
        var block = _chain.CommitNext(DateTimeOffset.FromUnixTimeMilliseconds(deadline));
        Assert.That(block.Block.Txs, Is.Empty);
        Assert.That(_chain.Node.GetChannel(channel)!.Paid, Is.Zero);
    }
}
