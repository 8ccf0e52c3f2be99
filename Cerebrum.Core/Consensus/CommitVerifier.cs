namespace Cerebrum.Core.Consensus;

/// <summary>
/// Checks that a commit proves a value decided at a height under a validator set: right height and value, every
/// signer a distinct validator with a valid precommit signature, and more than 2/3 of the power signed.
/// </summary>
public sealed class CommitVerifier
{
    public CommitVerifier(string chainId)
    {
        ArgumentException.ThrowIfNullOrEmpty(chainId);
        ChainId = chainId;
    }

    public string ChainId { get; }

    /// <summary>Verifies commit bytes as the chain stores them; never throws on bad input.</summary>
    public CommitVerification Verify(ReadOnlySpan<byte> commitBytes, long height, ReadOnlySpan<byte> valueId, ValidatorSet validators)
    {
        if (!Commit.TryFromBytes(commitBytes, out var commit, out var error))
            return new CommitVerification(CommitError.Malformed, error);
        return Verify(commit!, height, valueId, validators);
    }

    public CommitVerification Verify(Commit commit, long height, ReadOnlySpan<byte> valueId, ValidatorSet validators)
    {
        ArgumentNullException.ThrowIfNull(commit);
        ArgumentNullException.ThrowIfNull(validators);
        if (commit.Height != height)
            return new CommitVerification(CommitError.WrongHeight, $"commit is for height {commit.Height}, expected {height}");
        if (!commit.ValueId.Span.SequenceEqual(valueId))
            return new CommitVerification(CommitError.WrongValue,
                $"commit is for value {Convert.ToHexStringLower(commit.ValueId.Span)}, expected {Convert.ToHexStringLower(valueId)}");
        var seen = new bool[validators.Count];
        long power = 0;
        var signBytes = SignBytes.ForVote(ChainId, VoteType.Precommit, commit.Height, commit.Round, commit.ValueId.Span);
        foreach (var s in commit.Signatures)
        {
            if (!validators.TryGetIndex(s.Validator, out var index))
                return new CommitVerification(CommitError.UnknownValidator, $"{s.Validator} is not a validator at height {height}");
            if (seen[index])
                return new CommitVerification(CommitError.DuplicateSigner, $"{s.Validator} signed twice");
            seen[index] = true;
            var validator = validators.Validators[index];
            if (!validator.PublicKey.VerifyStrict(signBytes, s.Signature.Span))
                return new CommitVerification(CommitError.BadSignature, $"the precommit signature of {s.Validator} does not verify");
            power += validator.Power;
        }
        if (!validators.IsQuorum(power))
            return new CommitVerification(CommitError.NotEnoughPower,
                $"signers hold {power} of {validators.TotalPower} voting power, more than 2/3 is needed");
        return CommitVerification.Valid;
    }
}
