using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Core.Chain.Genesis;

/// <summary>The state at height 0: genesis accounts (validators' accounts carry their public keys) and the genesis validators.</summary>
public static class GenesisState
{
    public static StateChangeSet Build(GenesisDocument genesis)
    {
        var state = new StateOverlay(new CommittedState());
        var keys = new Dictionary<PeerId, PublicKey>();
        foreach (var validator in genesis.Validators)
        {
            var key = validator.DecodePublicKey();
            keys[key.ToPeerId()] = key;
            state.Set(StateKeys.GenesisValidator(key.ToPeerId()), new GenesisValidatorState { PublicKey = ByteString.CopyFrom(key.ToProtobuf()), Power = validator.Power });
        }
        foreach (var entry in genesis.Accounts)
        {
            var id = PeerId.Parse(entry.PeerId);
            var account = new AccountState { Balance = entry.Balance, Stake = entry.Stake };
            if (keys.TryGetValue(id, out var key)) account.PublicKey = ByteString.CopyFrom(key.ToProtobuf());
            state.SetAccount(id, account);
        }
        foreach (var (id, key) in keys)
            if (state.Get(StateKeys.Account(id)) is null)
                state.SetAccount(id, new AccountState { PublicKey = ByteString.CopyFrom(key.ToProtobuf()) });
        return state.ToChangeSet();
    }
}
