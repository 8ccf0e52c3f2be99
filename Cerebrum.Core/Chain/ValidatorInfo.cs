using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain;

/// <summary>
/// A validator as the chain sees it after its last block: in the next height's set with its power, or jailed (out of
/// the set until an Unjail at or after <see cref="JailRelease"/>).
/// </summary>
/// <param name="Power">Voting power in the next height's set; 0 when not in it.</param>
/// <param name="GenesisPower">The permanent base power from genesis (0 for a staker).</param>
/// <param name="Stake">Bonded stake, micro-CER.</param>
/// <param name="SlashedTotal">Micro-CER slashed (and burned) so far.</param>
/// <param name="SlashedHeight">The block that last slashed it (0 never).</param>
public sealed record ValidatorInfo(
    PeerId PeerId,
    long Power,
    ulong GenesisPower,
    ulong Stake,
    bool Jailed,
    DateTimeOffset? JailRelease,
    ulong SlashedTotal,
    ulong SlashedHeight);
