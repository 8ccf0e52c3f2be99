namespace Cerebrum.Core.Consensus;

/// <summary>
/// What a <see cref="ConsensusMessageFilter"/> needs to know of the heights its host has decided, so that it can
/// verify messages of any height (not only the one a driver is at), also on a daemon that runs no driver: the
/// validator set of each decided height and of the next one, and the application's value ids.
/// </summary>
public interface IConsensusHistory
{
    /// <summary>The first height not decided yet (the host's last decided height + 1).</summary>
    long NextHeight { get; }

    /// <summary>
    /// The validators deciding <paramref name="height"/>, for any decided height and <see cref="NextHeight"/>; null
    /// beyond. Only members, keys and powers are used (proposer priorities need not be set).
    /// </summary>
    ValidatorSet? GetValidators(long height);

    /// <summary>The paper's id(v), exactly as the application computes it ([] when the bytes are not a value).</summary>
    byte[] ComputeValueId(ReadOnlySpan<byte> value);
}
