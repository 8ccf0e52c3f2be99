using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>
/// Redeems a voucher (the channel's node only): pays the node the voucher's cumulative amount minus what the channel
/// has already paid, less the take. The voucher must be signed by the payer for this chain, newer (higher nonce and
/// amount) than the last one redeemed, within the deposit, and claimed before a closing channel's deadline.
/// </summary>
public sealed class ClaimChannelHandler : ITransactionHandler
{
    public Transaction.BodyOneofCase Type => Transaction.BodyOneofCase.ClaimChannel;

    public ChainError? Apply(TransactionContext context)
    {
        var voucher = context.Transaction.Body.ClaimChannel.Voucher;
        if (Vouchers.CheckShape(voucher) is { } malformed) return new ChainError(ChainErrorCode.InvalidField, "voucher: " + malformed);
        if (ChannelLookup.Find(context.State, voucher.ChannelId, out var channel) is { } missing) return missing;
        if (!channel.Node.Span.SequenceEqual(context.SenderId.Bytes.Span))
            return new ChainError(ChainErrorCode.NotChannelNode, "only the channel's node may claim it");
        if (ChannelLookup.IsClosing(channel) && context.Block.TimeUnixMs >= channel.SettleAtUnixMs)
            return new ChainError(ChainErrorCode.SettleDeadlinePassed, $"the channel's settle deadline {channel.SettleAtUnixMs} has passed");
        if (PayerKey(context, channel) is not { } payerKey || !Vouchers.Verify(context.Transaction.Body.ChainId, voucher, payerKey))
            return new ChainError(ChainErrorCode.BadVoucherSignature, "the voucher is not signed by the channel's payer for this chain");
        if (voucher.Nonce <= channel.Nonce || voucher.Amount <= channel.Paid)
            return new ChainError(ChainErrorCode.StaleVoucher,
                $"voucher nonce {voucher.Nonce} and amount {voucher.Amount} must exceed the redeemed nonce {channel.Nonce} and amount {channel.Paid}");
        if (voucher.Amount > channel.Deposit)
            return new ChainError(ChainErrorCode.VoucherAboveDeposit, $"voucher amount {voucher.Amount} exceeds the deposit of {channel.Deposit}");
        if (context.PayOut(context.SenderId, voucher.Amount - channel.Paid) is { } overflow) return overflow;
        channel.Paid = voucher.Amount;
        channel.Nonce = voucher.Nonce;
        context.State.SetChannel(voucher.ChannelId.Span, channel);
        return null;
    }

    /// <summary>The payer's key, learnt from its OpenChannel (so always known for a channel's payer).</summary>
    private static PublicKey? PayerKey(TransactionContext context, ChannelState channel)
    {
        if (PeerIdField.Parse(channel.Payer, "channel payer", out var payer) is not null) return null;
        var account = context.State.GetAccount(payer);
        return account.PublicKey.IsEmpty ? null : Caching.SenderKeyCache.Parse(account.PublicKey.Span).Key;
    }
}
