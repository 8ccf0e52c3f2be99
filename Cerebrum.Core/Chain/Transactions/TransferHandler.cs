using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;

namespace Cerebrum.Core.Chain.Transactions;

public sealed class TransferHandler : ITransactionHandler
{
    public Transaction.BodyOneofCase Type => Transaction.BodyOneofCase.Transfer;

    public ChainError? Apply(TransactionContext context)
    {
        var transfer = context.Transaction.Body.Transfer;
        if (PeerIdField.Parse(transfer.To, "transfer recipient", out var to) is { } invalid) return invalid;
        if (to == context.SenderId) return new ChainError(ChainErrorCode.InvalidField, "transfer to oneself");
        if (Amounts.Positive(transfer.Amount, "transfer amount") is { } notPositive) return notPositive;
        if (Amounts.Covered(context.Sender.Balance, transfer.Amount, "transfer") is { } uncovered) return uncovered;
        var recipient = context.State.GetAccount(to);
        if (Amounts.AddWithoutOverflow(recipient.Balance, transfer.Amount, out var credited) is { } overflow) return overflow;
        context.Sender.Balance -= transfer.Amount;
        recipient.Balance = credited;
        context.State.SetAccount(to, recipient);
        return null;
    }
}
