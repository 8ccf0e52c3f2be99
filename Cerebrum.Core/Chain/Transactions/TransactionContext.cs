using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>
/// One transaction's execution: its own overlay (discarded when a handler refuses), and the sender's account after
/// fee and nonce, which handlers change in place and the executor writes back. Handlers must not write the sender's
/// account through <see cref="State"/>.
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

    /// <summary>The account of <paramref name="id"/>: the sender's live account for the sender, a copy otherwise.</summary>
    public AccountState GetAccount(PeerId id) => id == SenderId ? Sender : State.GetAccount(id);

    /// <summary>Writes an account got from <see cref="GetAccount"/> (the sender's is written back by the executor).</summary>
    public void SetAccount(PeerId id, AccountState account)
    {
        if (id != SenderId) State.SetAccount(id, account);
    }

    /// <summary>Adds <paramref name="amount"/> to what goes to the proposer with the fees.</summary>
    public void HandToProposer(ulong amount) => ToProposer = checked(ToProposer + amount);
}
