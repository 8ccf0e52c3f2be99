using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Validators;

/// <summary>
/// The validator set for height H+1 is a function of the state after H: every genesis validator with its genesis
/// power, plus, for every account whose public key is known, stake / <see cref="ChainParams.StakePerPower"/> (integer
/// division) added to its power. Members with zero power are left out. Height 1 uses the genesis state. The genesis
/// bounds the total (<see cref="Genesis.GenesisDocument.Validate"/>) within <see cref="ValidatorSet.MaxTotalPower"/>,
/// since stake never exceeds the fixed supply.
/// </summary>
public static class ValidatorSetCalculator
{
    public static ValidatorSet FromState(IStateReader state, ChainParams parameters)
    {
        var powers = new Dictionary<PeerId, (PublicKey Key, long Power)>();
        foreach (var (key, value) in state.Enumerate(StateKeys.GenesisValidatorPrefix))
        {
            var genesis = (GenesisValidatorState)value;
            powers[StateKeys.PeerOf(key)] = (PublicKey.FromProtobuf(genesis.PublicKey.Span), checked((long)genesis.Power));
        }
        foreach (var (key, value) in state.Enumerate(StateKeys.AccountPrefix))
        {
            var account = (AccountState)value;
            var stakePower = checked((long)(account.Stake / parameters.StakePerPower));
            if (stakePower == 0 || account.PublicKey.IsEmpty) continue;
            var id = StateKeys.PeerOf(key);
            powers[id] = powers.TryGetValue(id, out var existing)
                ? (existing.Key, checked(existing.Power + stakePower))
                : (PublicKey.FromProtobuf(account.PublicKey.Span), stakePower);
        }
        return ValidatorSet.Create(powers.Values.Where(p => p.Power > 0).Select(p => new Validator(p.Key, p.Power)));
    }
}
