using Google.Protobuf;

namespace Cerebrum.Core.Chain.State;

/// <summary>
/// The state after the last committed block, held in memory (the store holds the durable copy) with its
/// <see cref="StateTree"/>. Changed only by <see cref="Apply"/>, after the block's LiteDB transaction has committed.
/// </summary>
public sealed class CommittedState : IStateReader
{
    private readonly Dictionary<string, Dictionary<string, IMessage>> _byPrefix = StateKeys.Prefixes.ToDictionary(
        p => p, _ => new Dictionary<string, IMessage>(StringComparer.Ordinal), StringComparer.Ordinal);

    private readonly StateTree _tree = new();

    public byte[] Root => _tree.Root;

    public int Count => _tree.Count;

    public IMessage? Get(string key) =>
        _byPrefix.TryGetValue(StateKeys.PrefixOf(key), out var entries) && entries.TryGetValue(key, out var value) ? value : null;

    public IEnumerable<KeyValuePair<string, IMessage>> Enumerate(string prefix) =>
        _byPrefix.TryGetValue(prefix, out var entries) ? entries : [];

    /// <summary>Loads stored entries (key, encoding) and hashes the tree once.</summary>
    /// <exception cref="FormatException">An unknown key kind.</exception>
    /// <exception cref="InvalidProtocolBufferException">A corrupt value.</exception>
    public void Load(IEnumerable<(string Key, byte[] Encoded)> entries)
    {
        foreach (var (key, encoded) in entries)
        {
            _byPrefix[StateKeys.PrefixOf(key)][key] = StateKeys.Parse(key, encoded);
            _tree.Load(key, StateTree.LeafHash(key, encoded));
        }
        _tree.Rehash();
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
        return _tree.Apply(changes);
    }
}
