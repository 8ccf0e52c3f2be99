using Google.Protobuf;

namespace Cerebrum.Core.Chain.State;

/// <summary>
/// Pending writes over a parent state: what a block (or one transaction, or the mempool's check state) changes, kept
/// apart until it is merged into its parent or turned into a <see cref="StateChangeSet"/>. The parent is never modified.
/// </summary>
public sealed class StateOverlay : IStateReader
{
    private readonly IStateReader _parent;
    private readonly Dictionary<string, IMessage?> _writes = new(StringComparer.Ordinal);

    public StateOverlay(IStateReader parent) => _parent = parent;

    public int WriteCount => _writes.Count;

    /// <summary>The state this overlay writes over.</summary>
    public IStateReader Parent => _parent;

    /// <summary>The pending writes (null deletes), by key.</summary>
    public IReadOnlyDictionary<string, IMessage?> Writes => _writes;

    public IMessage? Get(string key) => _writes.TryGetValue(key, out var value) ? value : _parent.Get(key);

    public IEnumerable<KeyValuePair<string, IMessage>> Enumerate(string prefix)
    {
        foreach (var entry in _parent.Enumerate(prefix))
            if (!_writes.ContainsKey(entry.Key))
                yield return entry;
        foreach (var (key, value) in _writes)
            if (value is not null && key.StartsWith(prefix, StringComparison.Ordinal))
                yield return new(key, value);
    }

    /// <summary>Records <paramref name="value"/> (null deletes). The message must not be changed afterwards.</summary>
    public void Set(string key, IMessage? value) => _writes[key] = value;

    /// <summary>Moves this overlay's writes into <paramref name="target"/> (normally its parent).</summary>
    public void MergeInto(StateOverlay target)
    {
        foreach (var (key, value) in _writes)
            target._writes[key] = value;
        _writes.Clear();
    }

    /// <summary>The writes, encoded and hashed in key order, ready for the state tree and the store.</summary>
    public StateChangeSet ToChangeSet() => StateChangeSet.From(_writes);
}
