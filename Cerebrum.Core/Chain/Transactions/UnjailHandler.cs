using Cerebrum.Core.Chain.Blocks;
using Cerebrum.Core.Chain.Proto;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>
/// Ends the sender's jail (set by committed double-sign evidence) once the block's time has reached its release time:
/// its validator power counts again from the next height. Its slashing record stays.
/// </summary>
public sealed class UnjailHandler : ITransactionHandler
{
    public Transaction.BodyOneofCase Type => Transaction.BodyOneofCase.Unjail;

    public ChainError? Apply(TransactionContext context)
    {
        var account = context.Sender;
        if (!account.Jailed) return new ChainError(ChainErrorCode.NotJailed, $"{context.SenderId} is not jailed");
        if (context.Block.TimeUnixMs < account.JailReleaseUnixMs)
            return new ChainError(ChainErrorCode.JailNotOver,
                $"{context.SenderId} is jailed until {BlockTime.ToDateTimeOffset(account.JailReleaseUnixMs):O}; the block time is {BlockTime.ToDateTimeOffset(context.Block.TimeUnixMs):O}");
        account.Jailed = false;
        account.JailReleaseUnixMs = 0;
        return null;
    }
}
