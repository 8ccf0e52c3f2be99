using System.Security.Cryptography;

namespace Cerebrum.Core.Consensus;

/// <summary>
/// What consensus needs from the application it serves (e.g. a chain). Consensus agrees on opaque values (e.g. encoded
/// blocks); the application builds them, judges them, names them and applies the decided ones. The state machine
/// calls the first four synchronously from its single thread; <see cref="ConsensusDriver"/> calls <see cref="OnDecided"/>.
/// </summary>
public interface IConsensusApplication
{
    /// <summary>
    /// The paper's getValue(): a new value to propose (e.g. a block built from the mempool). <paramref name="now"/> is the
    /// proposer's clock reading as fed to the state machine: the value's time under PBTS (<see cref="GetValueTime"/>),
    /// which must be later than the previous decided value's.
    /// </summary>
    byte[] ProposeValue(long height, int round, DateTimeOffset now);

    /// <summary>The paper's valid(v): whether the value may be decided at this height (e.g. the block applies cleanly).</summary>
    ValueVerdict ValidateValue(long height, ReadOnlySpan<byte> value);

    /// <summary>The paper's id(v): a 32-byte digest of the value; SHA-256 of it unless the chain names values otherwise.</summary>
    byte[] ComputeValueId(ReadOnlySpan<byte> value) => SHA256.HashData(value);

    /// <summary>
    /// PBTS: the time <paramref name="value"/> carries (e.g. its block's time), set by its original proposer and kept
    /// when it is re-proposed; null for applications whose values carry none (no timeliness check). Throwing counts
    /// as untimely.
    /// </summary>
    DateTimeOffset? GetValueTime(ReadOnlySpan<byte> value) => null;

    /// <summary>PBTS: the clock precision and message delay every validator of <paramref name="height"/> assumes (the same on all).</summary>
    SynchronyParams GetSynchrony(long height) => SynchronyParams.Default;

    /// <summary>The validators of a height that is about to start (called after the previous height's <see cref="OnDecided"/>).</summary>
    ValidatorSet GetValidators(long height);

    /// <summary>A value was decided: apply it and store it with its commit. The next height starts after <see cref="ConsensusOptions.CommitDelay"/>.</summary>
    void OnDecided(long height, ReadOnlyMemory<byte> value, Commit commit);
}
