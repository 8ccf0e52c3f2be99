using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>
/// One transaction's execution: its own overlay (discarded when a handler refuses), and the sender's account after
/// fee and nonce, which handlers change in place and the executor writes back. Handlers must not write the sender's
/// account through <see cref="State"/>; <see cref="GetAccount"/> and <see cref="SetAccount"/> do the right thing for
/// any account, the sender's included.
/// </summary>
public sealed class TransactionContext(StateOverlay state, BlockContext block, VerifiedTransaction transaction, AccountState sender)
{
    public StateOverlay State { get; } = state;

    public BlockContext Block { get; } = block;

    public VerifiedTransaction Transaction { get; } = transaction;

    public PeerId SenderId => Transaction.Sender;

    public AccountState Sender { get; } = sender;

    public ChainParams Params => Block.Params;

    /// <summary>What this transaction hands to the block's proposer besides its fee (e.g. a slash's remainder); added to the block's fees on success.</summary>
    public ulong ToProposer { get; private set; }

    /// <summary>The take rate's share of this transaction's payouts; the executor adds it to the block's fees on success.</summary>
    public ulong Take { get; private set; }

    /// <summary>The account of <paramref name="id"/>: the sender's live account for the sender, a copy otherwise.</summary>
    public AccountState GetAccount(PeerId id) => id == SenderId ? Sender : State.GetAccount(id);

    /// <summary>Writes an account got from <see cref="GetAccount"/> (the sender's is written back by the executor).</summary>
    public void SetAccount(PeerId id, AccountState account)
    {
        if (id != SenderId) State.SetAccount(id, account);
    }

    /// <summary>Adds <paramref name="amount"/> to what goes to the proposer with the fees.</summary>
    public void HandToProposer(ulong amount) => ToProposer = checked(ToProposer + amount);

    /// <summary>
    /// Pays <paramref name="amount"/> to <paramref name="recipient"/> less the chain's take rate, which is added to
    /// <see cref="Take"/>. Returns an overflow error (nothing changed) or null.
    /// </summary>
    public ChainError? PayOut(PeerId recipient, ulong amount)
    {
        var take = Payments.PaymentMath.Take(amount, Params.TakeRateBasisPoints);
        var account = GetAccount(recipient);
        if (Amounts.AddWithoutOverflow(account.Balance, amount - take, out var balance) is { } overflow) return overflow;
        if (Amounts.AddWithoutOverflow(Take, take, out var totalTake) is { } takeOverflow) return takeOverflow;
        account.Balance = balance;
        SetAccount(recipient, account);
        Take = totalTake;
        return null;
    }
}
