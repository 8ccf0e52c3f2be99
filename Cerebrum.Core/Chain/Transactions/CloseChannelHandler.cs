using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>
/// Starts closing a channel (its payer only): from now on it takes no top-ups, and its node may claim until the block
/// time plus <see cref="ChainParams.ChannelSettleDelay"/>; after that, <see cref="SettleChannelHandler"/> ends it.
/// </summary>
public sealed class CloseChannelHandler : ITransactionHandler
{
    public Transaction.BodyOneofCase Type => Transaction.BodyOneofCase.CloseChannel;

    public ChainError? Apply(TransactionContext context)
    {
        var close = context.Transaction.Body.CloseChannel;
        if (ChannelLookup.Find(context.State, close.ChannelId, out var channel) is { } missing) return missing;
        if (!channel.Payer.Span.SequenceEqual(context.SenderId.Bytes.Span))
            return new ChainError(ChainErrorCode.NotChannelPayer, "only the channel's payer may close it");
        if (ChannelLookup.IsClosing(channel)) return new ChainError(ChainErrorCode.ChannelClosing, "the channel is already closing");
        long settleAt;
        try
        {
            settleAt = checked(context.Block.TimeUnixMs + (long)context.Params.ChannelSettleDelay.TotalMilliseconds);
        }
        catch (OverflowException)
        {
            return new ChainError(ChainErrorCode.Overflow, "the settle deadline is out of range");
        }
        channel.SettleAtUnixMs = settleAt;
        context.State.SetChannel(close.ChannelId.Span, channel);
        return null;
    }
}
