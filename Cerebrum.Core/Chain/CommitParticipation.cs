using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain;

/// <summary>
/// Which validators' precommits made it into the commits of a run of blocks: for each member of the sets that decided
/// them, how many of those commits it was expected in, how many carry its signature, and the last height that does. A
/// precommit that is not in a block's commit is "missed" (it was absent, late, or for another value), as CometBFT counts
/// a validator's missed blocks. Read from committed blocks only, so every daemon with the ledger says the same.
/// </summary>
public static class CommitParticipation
{
    /// <summary>The default run the admin API tallies: the last 100 committed blocks.</summary>
    public const int DefaultWindow = 100;

    /// <param name="blocks">Each committed height with the validator set that decided it and its commit, in height order.</param>
    /// <returns>One tally per validator seen in any of the sets, ordered by power (highest first), then peer ID.</returns>
    public static IReadOnlyList<ValidatorParticipation> Tally(IEnumerable<(ulong Height, ValidatorSet Validators, Commit Commit)> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        var tallies = new Dictionary<PeerId, ValidatorParticipation>();
        foreach (var (height, validators, commit) in blocks)
        {
            var signers = commit.Signatures.Select(s => s.Validator).ToHashSet();
            foreach (var validator in validators.Validators)
            {
                var tally = tallies.GetValueOrDefault(validator.PeerId) ?? new ValidatorParticipation(validator.PeerId, validator.Power, 0, 0, null);
                var signed = signers.Contains(validator.PeerId);
                tallies[validator.PeerId] = tally with
                {
                    Power = validator.Power,
                    Expected = checked(tally.Expected + 1),
                    Signed = signed ? checked(tally.Signed + 1) : tally.Signed,
                    LastSigned = signed ? height : tally.LastSigned,
                };
            }
        }
        return [.. tallies.Values.OrderByDescending(t => t.Power).ThenBy(t => t.Validator.ToString(), StringComparer.Ordinal)];
    }

    /// <summary>Tallies the last <paramref name="window"/> committed blocks of <paramref name="chain"/> (fewer near genesis).</summary>
    /// <returns>The tallies and the first and last height read (0 and 0 before the first block).</returns>
    public static (IReadOnlyList<ValidatorParticipation> Validators, ulong From, ulong To) OfRecentBlocks(ChainNode chain, int window = DefaultWindow)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        var to = chain.Status.Height;
        if (to == 0) return ([], 0, 0);
        var from = to > (ulong)window ? to - (ulong)window + 1 : 1;
        var blocks = new List<(ulong, ValidatorSet, Commit)>();
        for (var height = from; height <= to; height++)
        {
            // A block or set the store cannot give (pruned, unreadable) is left out rather than counted as missed.
            if (chain.GetBlock(height) is not { } block || chain.GetValidatorSet(height) is not { } validators
                || !Commit.TryFromBytes(block.Commit, out var commit, out _))
                continue;
            blocks.Add((height, validators, commit!));
        }
        return (Tally(blocks), from, to);
    }
}

/// <summary>One validator's share of a run of commits.</summary>
/// <param name="Expected">Commits of the run decided by a set it belonged to.</param>
/// <param name="Signed">Of those, the commits that carry its precommit.</param>
/// <param name="LastSigned">The highest height of the run whose commit carries its precommit; null when none does.</param>
public sealed record ValidatorParticipation(PeerId Validator, long Power, int Expected, int Signed, ulong? LastSigned)
{
    public int Missed => Expected - Signed;
}
