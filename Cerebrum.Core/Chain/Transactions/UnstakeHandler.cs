using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>
/// Moves stake into the sender's unbonding entry, released to the balance by the first block whose time is at least
/// the last unstake's block time plus <see cref="ChainParams.UnbondingDelay"/> (a later unstake pushes the release back).
/// </summary>
public sealed class UnstakeHandler : ITransactionHandler
{
    public Transaction.BodyOneofCase Type => Transaction.BodyOneofCase.Unstake;

    public ChainError? Apply(TransactionContext context)
    {
        var amount = context.Transaction.Body.Unstake.Amount;
        if (Amounts.Positive(amount, "unstake amount") is { } notPositive) return notPositive;
        if (context.Sender.Stake < amount)
            return new ChainError(ChainErrorCode.InsufficientStake, $"unstake of {amount} but the stake is {context.Sender.Stake}");
        var unbonding = context.State.GetUnbonding(context.SenderId) ?? new UnbondingState();
        if (Amounts.AddWithoutOverflow(unbonding.Amount, amount, out var total) is { } overflow) return overflow;
        context.Sender.Stake -= amount;
        unbonding.Amount = total;
        unbonding.ReleaseTimeUnixMs = context.Block.TimeUnixMs + (long)context.Params.UnbondingDelay.TotalMilliseconds;
        context.State.SetUnbonding(context.SenderId, unbonding);
        return null;
    }
}
