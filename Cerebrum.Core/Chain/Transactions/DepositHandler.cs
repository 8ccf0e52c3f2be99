using Cerebrum.Core.Chain.Proto;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>Moves balance into the sender's gateway escrow, from which later Settle transactions pay nodes.</summary>
public sealed class DepositHandler : ITransactionHandler
{
    public Transaction.BodyOneofCase Type => Transaction.BodyOneofCase.Deposit;

    public ChainError? Apply(TransactionContext context)
    {
        var amount = context.Transaction.Body.Deposit.Amount;
        if (Amounts.Positive(amount, "deposit amount") is { } notPositive) return notPositive;
        if (Amounts.Covered(context.Sender.Balance, amount, "deposit") is { } uncovered) return uncovered;
        if (Amounts.AddWithoutOverflow(context.Sender.Escrow, amount, out var escrow) is { } overflow) return overflow;
        context.Sender.Balance -= amount;
        context.Sender.Escrow = escrow;
        return null;
    }
}
