using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Validators;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Core.Chain.State;

/// <summary>
/// The state after the last committed block, held in memory (the store holds the durable copy) with its
/// <see cref="StateTree"/> and two derived indexes kept with it (<see cref="Candidates"/>, <see cref="Unbondings"/>), so
/// that no block's work grows with the number of accounts. Changed only by <see cref="Apply"/>, after the block's
/// LiteDB transaction has committed.
/// </summary>
public sealed class CommittedState : IStateReader
{
    private readonly Dictionary<string, Dictionary<string, IMessage>> _byPrefix = StateKeys.Prefixes.ToDictionary(
        p => p, _ => new Dictionary<string, IMessage>(StringComparer.Ordinal), StringComparer.Ordinal);

    private readonly StateTree _tree = new();
    private long _entriesVisited;

    /// <param name="parameters">The chain's parameters (stake per unit of power); the defaults when only the root is wanted.</param>
    public CommittedState(ChainParams? parameters = null) => Candidates = new ValidatorCandidates((parameters ?? new ChainParams()).StakePerPower);

    public byte[] Root => _tree.Root;

    public int Count => _tree.Count;

    /// <summary>Genesis validators and stakers with power, most first.</summary>
    public ValidatorCandidates Candidates { get; }

    /// <summary>Unbonding entries by release time.</summary>
    public UnbondingQueue Unbondings { get; } = new();

    /// <summary>
    /// How many state entries and index entries reads have visited so far (every entry an enumeration yields, every
    /// index entry read): a measure of per-block work, which must not grow with the number of accounts.
    /// </summary>
    public long EntriesVisited => Interlocked.Read(ref _entriesVisited);

    public IMessage? Get(string key) =>
        _byPrefix.TryGetValue(StateKeys.PrefixOf(key), out var entries) && entries.TryGetValue(key, out var value) ? value : null;

    public IEnumerable<KeyValuePair<string, IMessage>> Enumerate(string prefix)
    {
        if (!_byPrefix.TryGetValue(prefix, out var entries)) yield break;
        foreach (var entry in entries)
        {
            CountVisit();
            yield return entry;
        }
    }

    /// <summary>Counts one entry read through an index (see <see cref="EntriesVisited"/>).</summary>
    public void CountVisit() => Interlocked.Increment(ref _entriesVisited);

    /// <summary>Loads stored entries (key, encoding) and hashes the tree once.</summary>
    /// <exception cref="FormatException">An unknown key kind.</exception>
    /// <exception cref="InvalidProtocolBufferException">A corrupt value.</exception>
    public void Load(IEnumerable<(string Key, byte[] Encoded)> entries)
    {
        var indexed = new List<string>();
        foreach (var (key, encoded) in entries)
        {
            _byPrefix[StateKeys.PrefixOf(key)][key] = StateKeys.Parse(key, encoded);
            _tree.Load(key, StateTree.LeafHash(key, encoded));
            indexed.Add(key);
        }
        _tree.Rehash();
        foreach (var key in indexed) Index(key);
    }

    /// <summary>The root after <paramref name="changes"/>, without applying them.</summary>
    public byte[] ComputeRoot(StateChangeSet changes) => _tree.ComputeRoot(changes);

    public byte[] Apply(StateChangeSet changes)
    {
        foreach (var change in changes.Changes)
        {
            var entries = _byPrefix[StateKeys.PrefixOf(change.Key)];
            if (change.Value is null) entries.Remove(change.Key);
            else entries[change.Key] = change.Value;
        }
        foreach (var change in changes.Changes) Index(change.Key);
        return _tree.Apply(changes);
    }

    private void Index(string key)
    {
        switch (StateKeys.PrefixOf(key))
        {
            case StateKeys.AccountPrefix:
            case StateKeys.GenesisValidatorPrefix:
                var id = StateKeys.PeerOf(key);
                Candidates.Set(id, Get(StateKeys.Account(id)) as AccountState, Get(StateKeys.GenesisValidator(id)) as GenesisValidatorState);
                break;
            case StateKeys.UnbondingPrefix:
                Unbondings.Set(key, Get(key) as UnbondingState);
                break;
        }
    }
}
