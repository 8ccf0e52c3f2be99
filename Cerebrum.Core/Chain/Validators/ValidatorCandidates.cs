using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Validators;

/// <summary>
/// Every genesis validator and staker of a state that holds voting power, in order of power (highest first, ties by
/// peer ID bytes), kept as the state changes: the next height's validator set is its head, read in
/// <see cref="ChainParams.MaxValidators"/> steps, not recomputed over every account.
/// </summary>
public sealed class ValidatorCandidates
{
    private readonly ulong _stakePerPower;
    private readonly Dictionary<PeerId, Candidate> _byPeer = [];
    private readonly SortedSet<Candidate> _ordered = new(Comparer<Candidate>.Create(Compare));
    private readonly HashSet<PeerId> _jailed = [];

    public ValidatorCandidates(ulong stakePerPower)
    {
        ArgumentOutOfRangeException.ThrowIfZero(stakePerPower);
        _stakePerPower = stakePerPower;
    }

    public int Count => _byPeer.Count;

    /// <summary>The candidates, most power first.</summary>
    public IEnumerable<Candidate> InOrder => _ordered;

    /// <summary>The accounts jailed now (they have no power until they unjail).</summary>
    public IReadOnlyCollection<PeerId> Jailed => _jailed;

    /// <summary>
    /// The voting power an account and its genesis record give: the genesis power plus stake / stakePerPower (the
    /// stake counts once the account's key is known); none while the account is jailed.
    /// </summary>
    public static long PowerOf(AccountState? account, GenesisValidatorState? genesis, ulong stakePerPower)
    {
        if (account is { Jailed: true }) return 0;
        var power = genesis is null ? 0 : checked((long)genesis.Power);
        if (account is { PublicKey.IsEmpty: false })
            power = checked(power + (long)(account.Stake / stakePerPower));
        return power;
    }

    /// <summary>The candidate an account and its genesis record make, or null without power.</summary>
    public static Candidate? CandidateOf(PeerId id, AccountState? account, GenesisValidatorState? genesis, ulong stakePerPower)
    {
        var power = PowerOf(account, genesis, stakePerPower);
        if (power <= 0) return null;
        var key = genesis is not null ? genesis.PublicKey : account!.PublicKey;
        return new Candidate(id, PublicKey.FromProtobuf(key.Span), power);
    }

    /// <summary>Records <paramref name="id"/>'s account and genesis record as they now are.</summary>
    internal void Set(PeerId id, AccountState? account, GenesisValidatorState? genesis)
    {
        if (account is { Jailed: true }) _jailed.Add(id);
        else _jailed.Remove(id);
        if (_byPeer.Remove(id, out var old)) _ordered.Remove(old);
        if (CandidateOf(id, account, genesis, _stakePerPower) is not { } candidate) return;
        _byPeer[id] = candidate;
        _ordered.Add(candidate);
    }

    /// <summary>Most power first; equal powers by peer ID bytes.</summary>
    public static int Compare(Candidate? a, Candidate? b)
    {
        if (ReferenceEquals(a, b)) return 0;
        if (a is null) return -1;
        if (b is null) return 1;
        var byPower = b.Power.CompareTo(a.Power);
        return byPower != 0 ? byPower : a.Id.Bytes.Span.SequenceCompareTo(b.Id.Bytes.Span);
    }

    public sealed record Candidate(PeerId Id, PublicKey Key, long Power);
}
