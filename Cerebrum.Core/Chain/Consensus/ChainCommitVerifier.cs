using ChainCommitVerification = Cerebrum.Core.Chain.CommitVerification;
using ChainValidatorSet = Cerebrum.Core.Chain.Validators.ValidatorSet;

namespace Cerebrum.Core.Chain.Consensus;

/// <summary>
/// The chain's <see cref="ICommitVerifier"/> over this layer's commit format: checks stored commit bytes with
/// <see cref="CommitVerifier"/> against the chain's validator set of the height.
/// </summary>
public sealed class ChainCommitVerifier : ICommitVerifier
{
    private readonly CommitVerifier _verifier;

    public ChainCommitVerifier(string chainId) => _verifier = new CommitVerifier(chainId);

    public ChainCommitVerification Verify(ReadOnlySpan<byte> commit, ulong height, ReadOnlySpan<byte> blockHash, ChainValidatorSet validators)
    {
        ArgumentNullException.ThrowIfNull(validators);
        if (height is 0 or > long.MaxValue)
            return ChainCommitVerification.Invalid($"height {height} is out of range");
        ValidatorSet set;
        try
        {
            set = ToConsensus(validators);
        }
        catch (ArgumentException e)
        {
            return ChainCommitVerification.Invalid($"validator set unusable for consensus: {e.Message}");
        }
        var result = _verifier.Verify(commit, (long)height, blockHash, set);
        return result.IsValid ? ChainCommitVerification.Valid : ChainCommitVerification.Invalid(result.ToString());
    }

    /// <summary>
    /// The chain's validators as a consensus set with fresh (zero) proposer priorities. Enough for verifying commits;
    /// for proposer rotation carry priorities over heights with <see cref="ValidatorSet.Next"/> and <see cref="ValidatorSet.WithValidators"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A power or the total exceeds what consensus supports.</exception>
    public static ValidatorSet ToConsensus(ChainValidatorSet validators)
    {
        ArgumentNullException.ThrowIfNull(validators);
        return ValidatorSet.Create(ToValidators(validators));
    }

    /// <summary>The chain's validators with their powers, for <see cref="ValidatorSet.WithValidators"/>.</summary>
    public static IEnumerable<Validator> ToValidators(ChainValidatorSet validators)
    {
        ArgumentNullException.ThrowIfNull(validators);
        return [.. validators.Validators.Select(v => new Validator(v.PublicKey,
            v.Power is 0 or > ValidatorSet.MaxTotalPower ? throw new ArgumentException($"validator {v.PeerId} has power {v.Power}") : (long)v.Power))];
    }
}
