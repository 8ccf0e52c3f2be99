using Google.Protobuf;

namespace Cerebrum.Core.Chain.State;

/// <summary>A block's state writes in ordinal key order, each encoded and leaf-hashed once.</summary>
public sealed class StateChangeSet
{
    private StateChangeSet(IReadOnlyList<StateChange> changes) => Changes = changes;

    public static StateChangeSet Empty { get; } = new([]);

    public IReadOnlyList<StateChange> Changes { get; }

    public static StateChangeSet From(IEnumerable<KeyValuePair<string, IMessage?>> writes)
    {
        var changes = new List<StateChange>();
        foreach (var (key, value) in writes.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            if (value is null)
            {
                changes.Add(new StateChange(key, null, null, null));
                continue;
            }
            var encoded = value.ToByteArray();
            changes.Add(new StateChange(key, value, encoded, StateTree.LeafHash(key, encoded)));
        }
        return new StateChangeSet(changes);
    }
}
