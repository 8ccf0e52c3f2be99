using Cerebrum.Core.Chain.State;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Evidence;

/// <summary>
/// Double-signing evidence on the ledger (issue 21). Evidence is consensus's <see cref="DuplicateVoteEvidence"/>: two
/// votes of one validator, type, height and round for different values, both signed. It is carried in a block's
/// <c>evidence</c> field (not a transaction: no sender pays for it, the proposer includes what it holds) and executed
/// before the block's transactions. It is valid when it decodes canonically, its height is committed and not too old
/// (older than both <see cref="ChainParams.MaxEvidenceAgeBlocks"/> and <see cref="ChainParams.MaxEvidenceAge"/> is too
/// old, as in CometBFT), both votes verify (strict signatures) for a validator of that height's set, and that
/// validator has not been slashed since the offence (an offence at or below its <c>slashed_height</c> belongs to an
/// episode already punished: the same offence counts once). Executing it burns
/// <see cref="ChainParams.SlashFractionBasisPoints"/> of the validator's stake and of its unbonding entry when that
/// began after the offence, and jails it for <see cref="ChainParams.JailDuration"/>: it has no power from the next
/// height until it sends Unjail after the release time.
/// </summary>
public static class EvidenceRules
{
    /// <summary>Two votes with their signatures: far below this (about 400 bytes).</summary>
    public const int MaxEvidenceBytes = 2048;

    /// <summary>Decodes evidence; null with the error when it is malformed, not canonically encoded or not conflicting.</summary>
    public static DuplicateVoteEvidence? Decode(ReadOnlySpan<byte> bytes, out ChainError? error)
    {
        if (bytes.Length > MaxEvidenceBytes)
        {
            error = new ChainError(ChainErrorCode.InvalidEvidence, $"evidence of {bytes.Length} bytes, more than {MaxEvidenceBytes}");
            return null;
        }
        try
        {
            var evidence = DuplicateVoteEvidence.FromBytes(bytes);
            error = null;
            return evidence;
        }
        catch (FormatException e)
        {
            error = new ChainError(ChainErrorCode.InvalidEvidence, $"not valid duplicate-vote evidence: {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// The part of the check that does not change with the chain: <paramref name="evidence"/>'s height is committed
    /// (below <paramref name="nextHeight"/>) and both its votes are signed by a validator of that height.
    /// </summary>
    public static ChainError? Verify(DuplicateVoteEvidence evidence, string chainId, IChainHistory history, ulong nextHeight)
    {
        if (evidence.Height < 1 || (ulong)evidence.Height >= nextHeight || history.GetValidators((ulong)evidence.Height) is not { } validators)
            return new ChainError(ChainErrorCode.EvidenceOfUnknownHeight, $"evidence of height {evidence.Height}, which is not committed here (next height {nextHeight})");
        if (!evidence.Verify(chainId, validators))
            return new ChainError(ChainErrorCode.InvalidEvidence, $"{evidence} is not signed twice by a validator of height {evidence.Height}");
        return null;
    }

    /// <summary>
    /// The part that changes with the chain, for a block at <paramref name="height"/> and <paramref name="timeUnixMs"/>:
    /// not too old, and not already punished. Gives the offence's block time.
    /// </summary>
    public static ChainError? CheckAdmissible(DuplicateVoteEvidence evidence, IStateReader state, IChainHistory history, ulong height, long timeUnixMs,
        ChainParams parameters, out long offenceTimeUnixMs)
    {
        offenceTimeUnixMs = 0;
        if (evidence.Height < 1 || (ulong)evidence.Height >= height || history.GetBlockTimeUnixMs((ulong)evidence.Height) is not { } offenceTime)
            return new ChainError(ChainErrorCode.EvidenceOfUnknownHeight, $"evidence of height {evidence.Height}, which is not committed before block {height}");
        offenceTimeUnixMs = offenceTime;
        var ageBlocks = height - (ulong)evidence.Height;
        var age = TimeSpan.FromMilliseconds(Math.Max(0, timeUnixMs - offenceTime));
        if (ageBlocks > parameters.MaxEvidenceAgeBlocks && age > parameters.MaxEvidenceAge)
            return new ChainError(ChainErrorCode.EvidenceTooOld,
                $"{evidence} is {ageBlocks} blocks and {age} old, beyond both {parameters.MaxEvidenceAgeBlocks} blocks and {parameters.MaxEvidenceAge}");
        var account = state.GetAccount(evidence.Validator);
        // Slashed in block S, the validator still signed at S and is out of the set after it: every offence up to S is
        // the episode already punished (and none can follow until it unjails, which puts it back only after S).
        if (account.SlashedHeight > 0 && (ulong)evidence.Height <= account.SlashedHeight)
            return new ChainError(ChainErrorCode.EvidenceAlreadyPunished,
                $"{evidence.Validator} was slashed at height {account.SlashedHeight} for an offence at or before it; this one (height {evidence.Height}) counts no more");
        return null;
    }

    /// <summary>Slashes, burns and jails (after <see cref="Verify"/> and <see cref="CheckAdmissible"/>); returns the micro-CER burned.</summary>
    public static ulong Apply(DuplicateVoteEvidence evidence, StateOverlay state, ulong height, long timeUnixMs, long offenceTimeUnixMs, ChainParams parameters)
    {
        var id = evidence.Validator;
        var account = state.GetAccount(id);
        var fromStake = Share(account.Stake, parameters.SlashFractionBasisPoints);
        account.Stake -= fromStake;
        ulong fromUnbonding = 0;
        // Stake unbonding since the offence was at stake when it was committed: it is slashed alike.
        if (state.GetUnbonding(id) is { } unbonding && unbonding.ReleaseTimeUnixMs - (long)parameters.UnbondingDelay.TotalMilliseconds >= offenceTimeUnixMs)
        {
            fromUnbonding = Share(unbonding.Amount, parameters.SlashFractionBasisPoints);
            unbonding.Amount -= fromUnbonding;
            state.SetUnbonding(id, unbonding);
        }
        var burned = checked(fromStake + fromUnbonding);
        account.Jailed = true;
        account.JailReleaseUnixMs = timeUnixMs + (long)parameters.JailDuration.TotalMilliseconds;
        account.SlashedHeight = height;
        account.SlashedTotal = checked(account.SlashedTotal + burned);
        state.SetAccount(id, account);
        state.AddBurned(burned);
        return burned;
    }

    /// <summary>The offence a piece of evidence proves, for deduplication: one validator at one height.</summary>
    public static string OffenceKey(DuplicateVoteEvidence evidence) => $"{evidence.Validator}/{evidence.Height}";

    private static ulong Share(ulong amount, uint basisPoints) => (ulong)((UInt128)amount * basisPoints / 10_000);
}
