using Cerebrum.Core.Chain.Proto;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>Bonds balance as validator stake (see <see cref="Validators.ValidatorSetCalculator"/> for the power it gives).</summary>
public sealed class StakeHandler : ITransactionHandler
{
    public Transaction.BodyOneofCase Type => Transaction.BodyOneofCase.Stake;

    public ChainError? Apply(TransactionContext context)
    {
        var amount = context.Transaction.Body.Stake.Amount;
        if (Amounts.Positive(amount, "stake amount") is { } notPositive) return notPositive;
        if (Amounts.Covered(context.Sender.Balance, amount, "stake") is { } uncovered) return uncovered;
        if (Amounts.AddWithoutOverflow(context.Sender.Stake, amount, out var stake) is { } overflow) return overflow;
        context.Sender.Balance -= amount;
        context.Sender.Stake = stake;
        return null;
    }
}
