using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Nodes;

/// <summary>
/// Takes <see cref="VerificationParams.SlashPermille"/> of a node's stake: the finder's share
/// (<see cref="VerificationParams.FinderSharePermille"/> of it) to the finder's balance, the rest to the block's proposer
/// with the fees. Money moves, none is made or destroyed.
/// </summary>
public static class NodeSlashing
{
    /// <summary>Slashes <paramref name="node"/> (the caller writes the node record) and pays <paramref name="finder"/>; returns the amount taken.</summary>
    public static ulong Slash(TransactionContext context, NodeState node, PeerId finder)
    {
        var parameters = context.Params.Verification;
        var amount = (ulong)((UInt128)node.Stake * parameters.SlashPermille / 1000);
        var share = (ulong)((UInt128)amount * parameters.FinderSharePermille / 1000);
        node.Stake -= amount;
        node.History ??= new NodeHistory();
        node.History.Slashed = checked(node.History.Slashed + amount);
        if (share > 0)
        {
            var account = context.GetAccount(finder);
            account.Balance = checked(account.Balance + share);
            context.SetAccount(finder, account);
        }
        context.HandToProposer(amount - share);
        return amount;
    }
}
