using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Core.Chain.State;

/// <summary>Typed reads (returning copies the caller may change) and writes of the state's entries.</summary>
public static class StateAccess
{
    /// <summary>The account, or an empty one when it has never been written.</summary>
    public static AccountState GetAccount(this IStateReader state, PeerId id) =>
        state.Get(StateKeys.Account(id)) is AccountState account ? account.Clone() : new AccountState();

    /// <summary>Writes the account; an account with nothing in it (never used) is removed rather than stored.</summary>
    public static void SetAccount(this StateOverlay state, PeerId id, AccountState account) =>
        state.Set(StateKeys.Account(id), account.CalculateSize() == 0 ? null : account);

    /// <summary>True when the account exists in the state (it has held something, or sent a transaction).</summary>
    public static bool HasAccount(this IStateReader state, PeerId id) => state.Get(StateKeys.Account(id)) is not null;

    /// <summary>Micro-CER burned so far (account creation fees, slashed stake).</summary>
    public static ulong GetBurned(this IStateReader state) => (state.Get(StateKeys.Supply) as SupplyState)?.Burned ?? 0;

    /// <summary>Burns <paramref name="amount"/>: taken out of circulation, recorded so that the supply still adds up.</summary>
    /// <exception cref="OverflowException">Impossible while the supply is below 2^63.</exception>
    public static void AddBurned(this StateOverlay state, ulong amount)
    {
        if (amount == 0) return;
        state.Set(StateKeys.Supply, new SupplyState { Burned = checked(state.GetBurned() + amount) });
    }

    public static UnbondingState? GetUnbonding(this IStateReader state, PeerId id) =>
        (state.Get(StateKeys.Unbonding(id)) as UnbondingState)?.Clone();

    public static void SetUnbonding(this StateOverlay state, PeerId id, UnbondingState? unbonding) =>
        state.Set(StateKeys.Unbonding(id), unbonding is { Amount: > 0 } ? unbonding : null);

    public static NodeState? GetNode(this IStateReader state, PeerId id) => (state.Get(StateKeys.Node(id)) as NodeState)?.Clone();

    public static void SetNode(this StateOverlay state, PeerId id, NodeState node) => state.Set(StateKeys.Node(id), node);

    public static ModelState? GetModel(this IStateReader state, string hash) => (state.Get(StateKeys.Model(hash)) as ModelState)?.Clone();

    public static void SetModel(this StateOverlay state, ModelState model) => state.Set(StateKeys.Model(model.Hash), model);

    /// <summary>The peer ID (multihash bytes) owning a model name, or null when the name is free.</summary>
    public static ByteString? GetModelNameOwner(this IStateReader state, string name) => (state.Get(StateKeys.ModelName(name)) as ModelNameState)?.Owner;

    public static void SetModelNameOwner(this StateOverlay state, string name, PeerId owner) =>
        state.Set(StateKeys.ModelName(name), new ModelNameState { Owner = ByteString.CopyFrom(owner.Bytes.Span) });
}
