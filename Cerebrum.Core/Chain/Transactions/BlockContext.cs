using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>What a transaction sees of the block it runs in; the mempool uses the next height and the last block's time.</summary>
public sealed class BlockContext(ulong height, long timeUnixMs, PeerId? proposer, ChainParams parameters)
{
    public ulong Height { get; } = height;

    public long TimeUnixMs { get; } = timeUnixMs;

    /// <summary>Receives the block's fees at its end; null for the mempool's checks.</summary>
    public PeerId? Proposer { get; } = proposer;

    public ChainParams Params { get; } = parameters;

    /// <summary>The validator set deciding this height: whose attestations count, and with what weight.</summary>
    public ValidatorSet? Validators { get; init; }

    public ulong FeesCollected { get; set; }
}
