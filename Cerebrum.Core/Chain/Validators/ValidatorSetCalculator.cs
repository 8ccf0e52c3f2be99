using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Validators;

/// <summary>
/// The validator set for height H+1 is a function of the state after H: the <see cref="ChainParams.MaxValidators"/>
/// candidates with the most voting power (ties by peer ID bytes), where a candidate's power is its genesis power plus,
/// once its public key is known, stake / <see cref="ChainParams.StakePerPower"/> (integer division), and nothing while
/// it is jailed. Height 1 uses the genesis state. The genesis bounds the total (<see cref="Genesis.GenesisDocument.Validate"/>)
/// within <see cref="ValidatorSet.MaxTotalPower"/>, since stake never exceeds the fixed supply. The work is the head of
/// the committed state's <see cref="ValidatorCandidates"/> plus the accounts the block wrote: it does not grow with
/// the number of accounts.
/// </summary>
public static class ValidatorSetCalculator
{
    /// <summary>The set after <paramref name="committed"/> with the block's <paramref name="pending"/> writes; null when no candidate has power.</summary>
    public static ValidatorSet? Next(CommittedState committed, StateOverlay? pending, ChainParams parameters)
    {
        var changed = new HashSet<PeerId>();
        if (pending is not null)
            foreach (var key in pending.Writes.Keys)
                if (key.StartsWith(StateKeys.AccountPrefix, StringComparison.Ordinal) || key.StartsWith(StateKeys.GenesisValidatorPrefix, StringComparison.Ordinal))
                    changed.Add(StateKeys.PeerOf(key));
        // The top candidates the block did not touch (no more than the set can hold), then the touched ones as they are now.
        var chosen = new List<ValidatorCandidates.Candidate>(parameters.MaxValidators + changed.Count);
        var untouched = 0;
        foreach (var candidate in committed.Candidates.InOrder)
        {
            if (untouched == parameters.MaxValidators) break;
            committed.CountVisit();
            if (changed.Contains(candidate.Id)) continue;
            chosen.Add(candidate);
            untouched++;
        }
        IStateReader after = pending is null ? committed : pending;
        foreach (var id in changed)
        {
            var account = after.Get(StateKeys.Account(id)) as AccountState;
            var genesis = after.Get(StateKeys.GenesisValidator(id)) as GenesisValidatorState;
            if (ValidatorCandidates.CandidateOf(id, account, genesis, parameters.StakePerPower) is { } candidate) chosen.Add(candidate);
        }
        if (chosen.Count == 0) return null;
        chosen.Sort(ValidatorCandidates.Compare);
        return ValidatorSet.Create(chosen.Take(parameters.MaxValidators).Select(c => new Validator(c.Key, c.Power)));
    }
}
