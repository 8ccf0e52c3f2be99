using Cerebrum.Core.Chain.Caching;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Transactions;

public sealed class TransferHandler : ITransactionHandler
{
    public Transaction.BodyOneofCase Type => Transaction.BodyOneofCase.Transfer;

    public ChainError? Apply(TransactionContext context)
    {
        var transfer = context.Transaction.Body.Transfer;
        PeerId to;
        try
        {
            to = PeerIdCache.FromBytes(transfer.To.Span);
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or ArgumentException)
        {
            return new ChainError(ChainErrorCode.InvalidField, $"transfer recipient is not a peer ID: {e.Message}");
        }
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
