using Cerebrum.Core.Consensus;

namespace Cerebrum.Core.Chain.Evidence;

/// <summary>What the evidence rules need of the committed chain: each committed height's validators and block time.</summary>
public interface IChainHistory
{
    /// <summary>The validator set that decided committed <paramref name="height"/>; null for any other height.</summary>
    ValidatorSet? GetValidators(ulong height);

    /// <summary>The time of committed block <paramref name="height"/>; null for any other height.</summary>
    long? GetBlockTimeUnixMs(ulong height);
}
