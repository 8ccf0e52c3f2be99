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
}
