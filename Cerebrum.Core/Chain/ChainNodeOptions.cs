using Cerebrum.Core.Chain.Genesis;
using Cerebrum.Core.Chain.Mempool;

namespace Cerebrum.Core.Chain;

/// <summary>What a <see cref="ChainNode"/> needs: where its <c>chain.db</c> lives and the network's genesis.</summary>
public sealed record ChainNodeOptions
{
    public required string DataDirectory { get; init; }

    public required GenesisDocument Genesis { get; init; }

    public MempoolOptions Mempool { get; init; } = new();

    /// <summary>
    /// Recount the whole supply after every committed block and remember the first block that changed it
    /// (<see cref="ChainNode.SupplyAudit"/>). Costs a pass over the state per block: for tests, devnets and audits.
    /// </summary>
    public bool AuditSupply { get; init; }
}
