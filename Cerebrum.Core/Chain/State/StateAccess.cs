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

    /// <summary>Every validator's latest attestation of <paramref name="kind"/> about <paramref name="node"/> (empty when none).</summary>
    public static NodeAttestations GetNodeAttestations(this IStateReader state, PeerId node, CheckKind kind) =>
        (state.Get(StateKeys.NodeAttestations(node, kind)) as NodeAttestations)?.Clone() ?? new NodeAttestations();

    public static void SetNodeAttestations(this StateOverlay state, PeerId node, CheckKind kind, NodeAttestations attestations) =>
        state.Set(StateKeys.NodeAttestations(node, kind), attestations.Attestations.Count == 0 ? null : attestations);

    public static HardwareClassState? GetHardwareClass(this IStateReader state, string hardwareClass) =>
        (state.Get(StateKeys.HardwareClass(hardwareClass)) as HardwareClassState)?.Clone();

    public static void SetHardwareClass(this StateOverlay state, string hardwareClass, HardwareClassState value) =>
        state.Set(StateKeys.HardwareClass(hardwareClass), value);

    public static DisputeState? GetDispute(this IStateReader state, ReadOnlySpan<byte> disputeId) =>
        (state.Get(StateKeys.Dispute(disputeId)) as DisputeState)?.Clone();

    /// <summary>Writes the dispute; null removes it.</summary>
    public static void SetDispute(this StateOverlay state, ReadOnlySpan<byte> disputeId, DisputeState? dispute) =>
        state.Set(StateKeys.Dispute(disputeId), dispute);

    public static ChannelState? GetChannel(this IStateReader state, ReadOnlySpan<byte> channelId) =>
        (state.Get(StateKeys.Channel(channelId)) as ChannelState)?.Clone();

    /// <summary>Writes the channel; null removes it.</summary>
    public static void SetChannel(this StateOverlay state, ReadOnlySpan<byte> channelId, ChannelState? channel) =>
        state.Set(StateKeys.Channel(channelId), channel);

    public static LeaseState? GetLease(this IStateReader state, ReadOnlySpan<byte> leaseId) =>
        (state.Get(StateKeys.Lease(leaseId)) as LeaseState)?.Clone();

    /// <summary>Writes the lease; null removes it.</summary>
    public static void SetLease(this StateOverlay state, ReadOnlySpan<byte> leaseId, LeaseState? lease) =>
        state.Set(StateKeys.Lease(leaseId), lease);
}
