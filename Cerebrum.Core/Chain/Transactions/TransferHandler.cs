using Cerebrum.Core.Chain.Caching;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>
/// Moves balance to another account; a transfer that creates the recipient's account also burns
/// <see cref="ChainParams.AccountCreationFee"/> from the sender.
/// </summary>
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
        // A new account costs the sender the creation fee, burned: every validator keeps every account.
        var creationFee = context.State.HasAccount(to) ? 0 : context.Params.AccountCreationFee;
        if (Amounts.AddWithoutOverflow(transfer.Amount, creationFee, out var debit) is { } tooMuch) return tooMuch;
        if (Amounts.Covered(context.Sender.Balance, debit, creationFee == 0 ? "transfer" : $"transfer to a new account (amount + creation fee {creationFee})") is { } uncovered)
            return uncovered;
        var recipient = context.State.GetAccount(to);
        if (Amounts.AddWithoutOverflow(recipient.Balance, transfer.Amount, out var credited) is { } overflow) return overflow;
        context.Sender.Balance -= debit;
        recipient.Balance = credited;
        context.State.SetAccount(to, recipient);
        context.State.AddBurned(creationFee);
        return null;
    }
}
