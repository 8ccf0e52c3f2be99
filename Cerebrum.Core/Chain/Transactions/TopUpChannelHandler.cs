using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>Adds to an open channel's deposit; only its payer may, and not once it is closing.</summary>
public sealed class TopUpChannelHandler : ITransactionHandler
{
    public Transaction.BodyOneofCase Type => Transaction.BodyOneofCase.TopUpChannel;

    public ChainError? Apply(TransactionContext context)
    {
        var topUp = context.Transaction.Body.TopUpChannel;
        if (ChannelLookup.Find(context.State, topUp.ChannelId, out var channel) is { } missing) return missing;
        if (!channel.Payer.Span.SequenceEqual(context.SenderId.Bytes.Span))
            return new ChainError(ChainErrorCode.NotChannelPayer, "only the channel's payer may top it up");
        if (ChannelLookup.IsClosing(channel)) return new ChainError(ChainErrorCode.ChannelClosing, "the channel is closing");
        if (Amounts.Positive(topUp.Amount, "top-up amount") is { } notPositive) return notPositive;
        if (Amounts.Covered(context.Sender.Balance, topUp.Amount, "top-up") is { } uncovered) return uncovered;
        if (Amounts.AddWithoutOverflow(channel.Deposit, topUp.Amount, out var deposit) is { } overflow) return overflow;
        context.Sender.Balance -= topUp.Amount;
        channel.Deposit = deposit;
        context.State.SetChannel(topUp.ChannelId.Span, channel);
        return null;
    }
}
