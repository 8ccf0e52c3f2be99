using Cerebrum.Core.Chain.Genesis;
using Cerebrum.Core.Chain.Mempool;

namespace Cerebrum.Core.Chain;

/// <summary>What a <see cref="ChainNode"/> needs: where its <c>chain.db</c> lives and the network's genesis.</summary>
public sealed record ChainNodeOptions
{
    public required string DataDirectory { get; init; }

    public required GenesisDocument Genesis { get; init; }

    public MempoolOptions Mempool { get; init; } = new();
}
