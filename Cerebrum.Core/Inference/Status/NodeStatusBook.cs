using System.Net;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Inference.Status;

/// <summary>
/// The latest heartbeat of each node, bounded in size and expiring: an entry not refreshed within
/// <see cref="NodeStatusBookOptions.Expiry"/> is dropped. Heartbeats are bounded per key (at most one per
/// <see cref="NodeStatusBookOptions.MinInterval"/>) and per IP (at most <see cref="NodeStatusBookOptions.MaxUnregisteredKeysPerIp"/>
/// unregistered keys from one). The book is not first come, first served: when full, the lowest-ranked entry
/// (<see cref="NodeStatusPriority"/>: ledger standing, then score, then the oldest) makes room for a node that ranks
/// strictly higher, so fresh keys cannot lock out registered nodes, and an Active node is never evicted for an
/// unregistered one. Every operation costs O(log n) (expiry O(1) per entry expired); consumers that keep a derived
/// view (the gateway's routes) follow the changes through a <see cref="NodeStatusFeed"/> instead of copying the book.
/// Thread-safe.
/// </summary>
public sealed class NodeStatusBook
{
    private readonly Dictionary<PeerId, Slot> _entries = [];
    private readonly LinkedList<PeerId> _byArrival = new();
    private readonly SortedSet<Slot> _byRank = new(Slot.EvictionOrder);
    private readonly Dictionary<IPNetwork, int> _unregisteredPerIp = [];
    private readonly List<NodeStatusFeed> _feeds = [];
    private readonly NodeStatusBookOptions _options;
    private readonly TimeProvider _time;
    private readonly Func<PeerId, NodeStatusPriority> _priority;
    private long _order;

    /// <param name="priority">A node's rank when the book is full (its ledger standing and score); null ranks every node alike.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public NodeStatusBook(NodeStatusBookOptions options, TimeProvider time, Func<PeerId, NodeStatusPriority>? priority = null)
    {
        options.Validate();
        _options = options;
        _time = time;
        _priority = priority ?? (_ => NodeStatusPriority.Unregistered);
    }

    /// <summary>Statuses one node may send back to back before <see cref="NodeStatusBookOptions.MinInterval"/> applies.</summary>
    public const int BurstStatuses = 3;

    public NodeStatusBookOptions Options => _options;

    public int Capacity => _options.Capacity;

    public TimeSpan Expiry => _options.Expiry;

    /// <summary>Entries evicted for a higher-ranked node since start.</summary>
    public long Evicted { get; private set; }

    public int Count
    {
        get { lock (_entries) return _entries.Count; }
    }

    /// <summary>
    /// Stores <paramref name="status"/> as its node's latest, unless the book already has a newer or equal one from that
    /// node (by timestamp, then sequence number), the node's previous one arrived less than the minimum interval ago,
    /// its IP already has as many unregistered keys as allowed, or the book is full of nodes that rank at least as high.
    /// </summary>
    /// <param name="origin">The network the status comes from (<see cref="NodeStatusOrigin"/>), for the per-IP bound; null when unknown.</param>
    /// <returns>null when stored, else why not.</returns>
    public string? TryRecord(VerifiedNodeStatus status, IPNetwork? origin = null)
    {
        var now = _time.GetUtcNow();
        var node = status.Node;
        var spent = BurstStatuses - 1.0;
        lock (_entries)
        {
            RemoveExpired(now);
            var known = _entries.GetValueOrDefault(node);
            if (known is not null)
            {
                var (t, s) = (known.Entry.Status.Status.TimestampUnixMs, known.Entry.Status.Status.Sequence);
                var (nt, ns) = (status.Status.TimestampUnixMs, status.Status.Sequence);
                if (nt < t || (nt == t && ns <= s))
                    return $"not newer than the status already held (sequence {s}, timestamp {t})";
                // A token bucket (a burst of BurstStatuses, refilled one per MinInterval), so that heartbeats bunched by
                // a loaded sender or the mesh still pass while a key's sustained rate stays bounded.
                var tokens = _options.MinInterval <= TimeSpan.Zero ? BurstStatuses
                    : Math.Min(BurstStatuses, known.Tokens + (now - known.Entry.ReceivedAt) / _options.MinInterval);
                if (tokens < 1)
                    return $"arrived {(now - known.Entry.ReceivedAt).TotalMilliseconds:0} ms after the previous one of this node (at most one per {_options.MinInterval.TotalMilliseconds:0} ms, bursts of {BurstStatuses})";
                spent = tokens - 1;
            }
            var priority = _priority(node);
            if (known is null)
            {
                if (priority.Standing == NodeStatusStanding.Unregistered && origin is { } ip
                    && _unregisteredPerIp.GetValueOrDefault(ip) >= _options.MaxUnregisteredKeysPerIp)
                    return $"{_options.MaxUnregisteredKeysPerIp} unregistered nodes from {ip} are held already";
                if (_entries.Count >= _options.Capacity)
                {
                    var lowest = _byRank.Min!;
                    if (priority <= lowest.Priority)
                        return $"the node status book is full ({_options.Capacity} nodes) of nodes that rank at least as high ({lowest.Priority.Standing})";
                    Remove(lowest);
                    Evicted++;
                }
            }
            else
            {
                Unindex(known);
            }
            var slot = new Slot(new NodeStatusEntry(status, now), priority, origin, _order++) { Tokens = spent };
            _entries[node] = slot;
            slot.Arrival = _byArrival.AddLast(node);
            _byRank.Add(slot);
            if (slot.CountsPerIp) _unregisteredPerIp[slot.Origin!.Value] = _unregisteredPerIp.GetValueOrDefault(slot.Origin.Value) + 1;
            Changed(node);
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
            var entries = new NodeStatusEntry[_entries.Count];
            var i = 0;
            for (var at = _byArrival.Last; at is not null; at = at.Previous)
                entries[i++] = _entries[at.Value].Entry;
            return entries;
        }
    }

    public NodeStatusEntry? Find(PeerId node)
    {
        var now = _time.GetUtcNow();
        lock (_entries)
        {
            return _entries.TryGetValue(node, out var slot) && !IsExpired(slot.Entry, now) ? slot.Entry : null;
        }
    }

    /// <summary>Unregistered nodes held from <paramref name="origin"/>.</summary>
    public int UnregisteredFrom(IPNetwork origin)
    {
        lock (_entries) return _unregisteredPerIp.GetValueOrDefault(origin);
    }

    /// <summary>
    /// A feed of the nodes whose entry changes from now on (recorded, replaced, evicted or expired), for a consumer that
    /// keeps a view derived from the book. Read it with <see cref="Drain"/>.
    /// </summary>
    public NodeStatusFeed Watch()
    {
        lock (_entries)
        {
            var feed = new NodeStatusFeed(2 * _options.Capacity);
            _feeds.Add(feed);
            return feed;
        }
    }

    /// <summary>
    /// The nodes changed since the feed was last drained, each with its entry now (null: gone), after dropping expired
    /// entries. When more changed than the feed holds, <see cref="NodeStatusChanges.Reset"/> says to rebuild from
    /// <see cref="Snapshot"/> instead.
    /// </summary>
    public NodeStatusChanges Drain(NodeStatusFeed feed)
    {
        var now = _time.GetUtcNow();
        lock (_entries)
        {
            RemoveExpired(now);
            if (feed.Overflowed)
            {
                feed.Clear();
                return new NodeStatusChanges(true, []);
            }
            var changed = new (PeerId, NodeStatusEntry?)[feed.Nodes.Count];
            var i = 0;
            foreach (var node in feed.Nodes)
                changed[i++] = (node, _entries.GetValueOrDefault(node)?.Entry);
            feed.Clear();
            return new NodeStatusChanges(false, changed);
        }
    }

    private bool IsExpired(NodeStatusEntry entry, DateTimeOffset now) => now - entry.ReceivedAt >= _options.Expiry;

    // The arrival list is oldest first, so expiry stops at the first live entry.
    private void RemoveExpired(DateTimeOffset now)
    {
        while (_byArrival.First is { } oldest && IsExpired(_entries[oldest.Value].Entry, now))
            Remove(_entries[oldest.Value]);
    }

    private void Remove(Slot slot)
    {
        Unindex(slot);
        _entries.Remove(slot.Entry.Status.Node);
        Changed(slot.Entry.Status.Node);
    }

    private void Unindex(Slot slot)
    {
        _byArrival.Remove(slot.Arrival!);
        _byRank.Remove(slot);
        if (slot.CountsPerIp)
        {
            var ip = slot.Origin!.Value;
            var left = _unregisteredPerIp[ip] - 1;
            if (left == 0) _unregisteredPerIp.Remove(ip);
            else _unregisteredPerIp[ip] = left;
        }
    }

    private void Changed(PeerId node)
    {
        foreach (var feed in _feeds) feed.Add(node);
    }

    private sealed class Slot(NodeStatusEntry entry, NodeStatusPriority priority, IPNetwork? origin, long order)
    {
        /// <summary>Lowest first: by rank, then the oldest arrival, then arrival order (unique).</summary>
        public static readonly IComparer<Slot> EvictionOrder = Comparer<Slot>.Create((a, b) =>
        {
            var byRank = a.Priority.CompareTo(b.Priority);
            return byRank != 0 ? byRank : a.Order.CompareTo(b.Order);
        });

        public NodeStatusEntry Entry { get; } = entry;

        public NodeStatusPriority Priority { get; } = priority;

        public IPNetwork? Origin { get; } = origin;

        public long Order { get; } = order;

        public LinkedListNode<PeerId>? Arrival { get; set; }

        /// <summary>Statuses the node may still send at once (see <see cref="BurstStatuses"/>).</summary>
        public double Tokens { get; init; }

        public bool CountsPerIp => Origin is not null && Priority.Standing == NodeStatusStanding.Unregistered;
    }
}
