using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>
/// Ends a closing channel whose settle deadline has passed in block time (anyone may send it: the outcome is fixed):
/// the deposit not yet paid returns to the payer and the record is removed. Settling is a transaction rather than a
/// per-block scan, so no block's work grows with the number of channels.
/// </summary>
public sealed class SettleChannelHandler : ITransactionHandler
{
    public Transaction.BodyOneofCase Type => Transaction.BodyOneofCase.SettleChannel;

    public ChainError? Apply(TransactionContext context)
    {
        var settle = context.Transaction.Body.SettleChannel;
        if (ChannelLookup.Find(context.State, settle.ChannelId, out var channel) is { } missing) return missing;
        if (!ChannelLookup.IsClosing(channel)) return new ChainError(ChainErrorCode.ChannelNotClosing, "the payer has not closed the channel");
        if (context.Block.TimeUnixMs < channel.SettleAtUnixMs)
            return new ChainError(ChainErrorCode.SettleDelayNotOver, $"the channel settles from block time {channel.SettleAtUnixMs}, this block is at {context.Block.TimeUnixMs}");
        if (PeerIdField.Parse(channel.Payer, "channel payer", out var payerId) is { } invalid) return invalid;
        var payer = context.GetAccount(payerId);
        if (Amounts.AddWithoutOverflow(payer.Balance, channel.Deposit - channel.Paid, out var balance) is { } overflow) return overflow;
        payer.Balance = balance;
        context.SetAccount(payerId, payer);
        context.State.SetChannel(settle.ChannelId.Span, null);
        return null;
    }
}
