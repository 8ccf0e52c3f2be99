using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Validators;

/// <summary>
/// The validator set for height H+1 is a function of the state after H: every genesis validator with its genesis
/// power, plus, for every account whose public key is known, stake / <see cref="ChainParams.StakePerPower"/> (integer
/// division) added to its power. Members with zero power are left out. Height 1 uses the genesis state.
/// </summary>
public static class ValidatorSetCalculator
{
    public static ValidatorSet FromState(IStateReader state, ChainParams parameters)
    {
        var powers = new Dictionary<PeerId, (PublicKey Key, ulong Power)>();
        foreach (var (key, value) in state.Enumerate(StateKeys.GenesisValidatorPrefix))
        {
            var genesis = (GenesisValidatorState)value;
            powers[StateKeys.PeerOf(key)] = (PublicKey.FromProtobuf(genesis.PublicKey.Span), genesis.Power);
        }
        foreach (var (key, value) in state.Enumerate(StateKeys.AccountPrefix))
        {
            var account = (AccountState)value;
            var stakePower = account.Stake / parameters.StakePerPower;
            if (stakePower == 0 || account.PublicKey.IsEmpty) continue;
            var id = StateKeys.PeerOf(key);
            powers[id] = powers.TryGetValue(id, out var existing)
                ? (existing.Key, existing.Power + stakePower)
                : (PublicKey.FromProtobuf(account.PublicKey.Span), stakePower);
        }
        return new ValidatorSet(powers.Values.Where(p => p.Power > 0).Select(p => new Validator(p.Key, p.Power)));
    }
}
