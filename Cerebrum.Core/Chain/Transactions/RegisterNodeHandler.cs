using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>
/// Registers (or updates) the sender's inference node: claimed hardware and throughput, region and served models, all
/// of which must be registered. The stake is added to the node's bond, which must reach
/// <see cref="ChainParams.MinNodeStake"/>. A new node is Registered until validators' checks make it Active.
/// </summary>
public sealed class RegisterNodeHandler : ITransactionHandler
{
    public const int MaxTextLength = 256;
    public const int MaxModels = 64;

    public Transaction.BodyOneofCase Type => Transaction.BodyOneofCase.RegisterNode;

    public ChainError? Apply(TransactionContext context)
    {
        var register = context.Transaction.Body.RegisterNode;
        if (register.Hardware.Length > MaxTextLength || register.Region.Length > MaxTextLength)
            return new ChainError(ChainErrorCode.InvalidField, $"hardware and region must be at most {MaxTextLength} characters");
        if (string.IsNullOrWhiteSpace(register.Region)) return new ChainError(ChainErrorCode.InvalidField, "region is required");
        if (register.ModelHashes.Count > MaxModels) return new ChainError(ChainErrorCode.InvalidField, $"at most {MaxModels} models per node");
        if (register.ModelHashes.Distinct(StringComparer.Ordinal).Count() != register.ModelHashes.Count)
            return new ChainError(ChainErrorCode.InvalidField, "a model is listed twice");
        foreach (var hash in register.ModelHashes)
            if (context.State.GetModel(hash) is null)
                return new ChainError(ChainErrorCode.UnknownModel, $"model {hash} is not registered");
        if (Amounts.Covered(context.Sender.Balance, register.Stake, "node stake") is { } uncovered) return uncovered;
        var node = context.State.GetNode(context.SenderId) ?? new NodeState { RegisteredHeight = context.Block.Height };
        if (Amounts.AddWithoutOverflow(node.Stake, register.Stake, out var stake) is { } overflow) return overflow;
        if (stake < context.Params.MinNodeStake)
            return new ChainError(ChainErrorCode.NodeStakeTooLow, $"node stake would be {stake}, the minimum is {context.Params.MinNodeStake}");
        context.Sender.Balance -= register.Stake;
        node.Stake = stake;
        node.Hardware = register.Hardware;
        node.Region = register.Region;
        node.ModelHashes.Clear();
        node.ModelHashes.AddRange(register.ModelHashes);
        var claim = new NodeClaim { ClaimedMflops = register.ClaimedMflops, Gpu = register.Gpu };
        // A changed claim is checked afresh: an Active node goes back to Registered (a jailed one stays jailed).
        if (node.Claim is not null && !node.Claim.Equals(claim) && node.Lifecycle == NodeLifecycle.Active) node.Lifecycle = NodeLifecycle.Registered;
        node.Claim = claim;
        context.State.SetNode(context.SenderId, node);
        return null;
    }
}
