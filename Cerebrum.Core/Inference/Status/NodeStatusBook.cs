using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Inference.Status;

/// <summary>
/// The latest heartbeat of each node, bounded in size and expiring: an entry not refreshed within
/// <see cref="Expiry"/> is dropped. When full (after dropping expired entries), a status from a new node is refused
/// rather than evicting a known one, so a flood of fresh keys cannot push out the nodes already heard from.
/// Thread-safe.
/// </summary>
public sealed class NodeStatusBook
{
    private readonly Dictionary<PeerId, NodeStatusEntry> _entries = [];
    private readonly TimeProvider _time;

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> or <paramref name="expiry"/> is not positive.</exception>
    public NodeStatusBook(int capacity, TimeSpan expiry, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(expiry, TimeSpan.Zero);
        Capacity = capacity;
        Expiry = expiry;
        _time = time;
    }

    public int Capacity { get; }

    public TimeSpan Expiry { get; }

    /// <summary>
    /// Stores <paramref name="status"/> as its node's latest, unless the book already has a newer or equal one from that
    /// node (by timestamp, then sequence number) or the book is full of other nodes.
    /// </summary>
    /// <returns>null when stored, else why not.</returns>
    public string? TryRecord(VerifiedNodeStatus status)
    {
        var now = _time.GetUtcNow();
        lock (_entries)
        {
            if (_entries.TryGetValue(status.Node, out var known) && !IsExpired(known, now))
            {
                var (t, s) = (known.Status.Status.TimestampUnixMs, known.Status.Status.Sequence);
                var (nt, ns) = (status.Status.TimestampUnixMs, status.Status.Sequence);
                if (nt < t || (nt == t && ns <= s))
                    return $"not newer than the status already held (sequence {s}, timestamp {t})";
            }
            else if (!_entries.ContainsKey(status.Node) && _entries.Count >= Capacity)
            {
                RemoveExpired(now);
                if (_entries.Count >= Capacity)
                    return $"the node status book is full ({Capacity} nodes)";
            }
            _entries[status.Node] = new NodeStatusEntry(status, now);
            return null;
        }
    }

    /// <summary>The unexpired entries, most recently received first.</summary>
    public IReadOnlyList<NodeStatusEntry> Snapshot()
    {
        var now = _time.GetUtcNow();
        lock (_entries)
        {
            RemoveExpired(now);
            return [.. _entries.Values.OrderByDescending(e => e.ReceivedAt).ThenBy(e => e.Status.Node.ToString(), StringComparer.Ordinal)];
        }
    }

    public NodeStatusEntry? Find(PeerId node)
    {
        var now = _time.GetUtcNow();
        lock (_entries)
        {
            return _entries.TryGetValue(node, out var entry) && !IsExpired(entry, now) ? entry : null;
        }
    }

    private bool IsExpired(NodeStatusEntry entry, DateTimeOffset now) => now - entry.ReceivedAt >= Expiry;

    private void RemoveExpired(DateTimeOffset now)
    {
        foreach (var (node, entry) in _entries.ToArray())
        {
            if (IsExpired(entry, now)) _entries.Remove(node);
        }
    }
}
