using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Status;
using Cerebrum.Core.Inference.Store;

namespace Cerebrum.Core.Gateway;

/// <summary>
/// Routes by the ledger (issue 13 item 4): a node's model is routed only when the node is registered (RegisterNode)
/// with at least the minimum node stake and lists the model's hash, and the hash is registered (RegisterModel); it is
/// routed under the ledger's name for that hash, whatever name the heartbeat claims. So a fresh key announcing
/// "all-minilm-l6-v2" under another hash gets no route, and a name routes only to hashes its owner registered under it.
/// </summary>
/// <param name="nodes">The ledger's record of a node, or null (e.g. <c>ChainNode.GetNode</c>).</param>
/// <param name="models">The ledger's record of a model hash, or null (e.g. <c>ChainNode.GetModel</c>).</param>
/// <param name="minNodeStake">The ledger's minimum node stake (a parameter of the chain, read when it is open).</param>
/// <param name="eligible">A further condition on a registered node (the seam for the validators' Active state and
/// reputation); null admits every registered, staked node.</param>
public sealed class LedgerRouteAdmission(Func<PeerId, NodeState?> nodes, Func<string, ModelState?> models, Func<ulong> minNodeStake, Func<PeerId, NodeState, bool>? eligible = null) : IRouteAdmission
{
    public string? Admit(PeerId node, ServedModel announced)
    {
        if (!ModelHash.IsValid(announced.Hash)) return null;
        var hash = ModelHash.Normalize(announced.Hash);
        if (nodes(node) is not { } registered || registered.Stake < minNodeStake() || !registered.ModelHashes.Contains(hash)) return null;
        if (eligible is not null && !eligible(node, registered)) return null;
        return models(hash) is { } ledgerModel ? ledgerModel.Name : null;
    }
}
