using Cerebrum.Core.Consensus;

namespace Cerebrum.Core.Chain.Blocks;

/// <summary>The tip of the committed chain: what the next block is checked against.</summary>
/// <param name="Height">0 before the first block.</param>
/// <param name="LastHash">Empty at height 0.</param>
/// <param name="LastTimeUnixMs">The genesis time at height 0.</param>
/// <param name="NextValidators">The set deciding <see cref="Height"/> + 1 (from the state after <see cref="Height"/>).</param>
/// <param name="LastValidators">The set that decided <see cref="Height"/>; null at height 0.</param>
public sealed record ChainHead(
    string ChainId,
    ulong Height,
    byte[] LastHash,
    long LastTimeUnixMs,
    byte[] StateRoot,
    ValidatorSet NextValidators,
    ValidatorSet? LastValidators);
