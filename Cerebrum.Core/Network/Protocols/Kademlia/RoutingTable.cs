using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Network.Protocols.Kademlia;

/// <summary>
/// Kademlia's k-buckets: for each common prefix length with our key, up to k peers, least recently seen first. A full
/// bucket keeps its old peers (long-lived peers tend to stay, and an attacker cannot flush a bucket with new IDs);
/// the caller learns which old peer to check, and removes it when it does not answer. Only peers that serve the DHT
/// belong here (the caller adds those that answered or that identify as servers). Not thread-safe.
/// </summary>
public sealed class RoutingTable
{
    private readonly List<Entry>?[] _buckets = new List<Entry>?[257];
    private readonly Dictionary<PeerId, Entry> _peers = [];
    private readonly DateTimeOffset[] _lastRefresh = new DateTimeOffset[257];

    public RoutingTable(PeerId self, int bucketSize)
    {
        ArgumentNullException.ThrowIfNull(self);
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketSize, 1);
        Self = self;
        LocalKey = KademliaKey.ForPeer(self);
        BucketSize = bucketSize;
    }

    public PeerId Self { get; }
    public KademliaKey LocalKey { get; }
    public int BucketSize { get; }
    public int Count => _peers.Count;

    public bool Contains(PeerId peer) => _peers.ContainsKey(peer);

    public IEnumerable<PeerId> Peers => _peers.Keys;

    /// <summary>The bucket index (common prefix length with our key) of <paramref name="peer"/>.</summary>
    public int BucketOf(PeerId peer) => LocalKey.CommonPrefixLength(KademliaKey.ForPeer(peer));

    /// <summary>
    /// Adds <paramref name="peer"/>, or marks it seen. On <see cref="RoutingTableUpdate.BucketFull"/>,
    /// <paramref name="leastRecentlySeen"/> is the peer to check.
    /// </summary>
    public RoutingTableUpdate TryAdd(PeerId peer, DateTimeOffset now, out PeerId? leastRecentlySeen)
    {
        ArgumentNullException.ThrowIfNull(peer);
        leastRecentlySeen = null;
        if (peer == Self)
            return RoutingTableUpdate.Self;
        if (_peers.TryGetValue(peer, out var known))
        {
            var list = _buckets[known.Bucket]!;
            list.Remove(known);
            known.LastSeen = now;
            list.Add(known);
            return RoutingTableUpdate.Refreshed;
        }
        var key = KademliaKey.ForPeer(peer);
        var index = LocalKey.CommonPrefixLength(key);
        var bucket = _buckets[index] ??= new List<Entry>(BucketSize);
        if (bucket.Count >= BucketSize)
        {
            leastRecentlySeen = bucket[0].Peer;
            return RoutingTableUpdate.BucketFull;
        }
        var entry = new Entry(peer, key, index) { LastSeen = now };
        bucket.Add(entry);
        _peers[peer] = entry;
        return RoutingTableUpdate.Added;
    }

    public RoutingTableUpdate TryAdd(PeerId peer, DateTimeOffset now) => TryAdd(peer, now, out _);

    public bool Remove(PeerId peer)
    {
        if (!_peers.Remove(peer, out var entry))
            return false;
        _buckets[entry.Bucket]!.Remove(entry);
        return true;
    }

    /// <summary>Up to <paramref name="count"/> peers closest to <paramref name="target"/>, closest first, except <paramref name="exclude"/>.</summary>
    public List<PeerId> Nearest(KademliaKey target, int count, PeerId? exclude = null)
    {
        var all = new List<(KademliaKey Distance, PeerId Peer)>(_peers.Count);
        foreach (var entry in _peers.Values)
            if (entry.Peer != exclude)
                all.Add((target.Xor(entry.Key), entry.Peer));
        all.Sort((x, y) => x.Distance.CompareTo(y.Distance));
        var result = new List<PeerId>(Math.Min(count, all.Count));
        for (var i = 0; i < all.Count && result.Count < count; i++)
            result.Add(all[i].Peer);
        return result;
    }

    /// <summary>Records that bucket <paramref name="bucket"/> was just looked into (a lookup for a key in it ran).</summary>
    public void MarkRefreshed(int bucket, DateTimeOffset now) => _lastRefresh[bucket] = now;

    /// <summary>
    /// Buckets to refresh: every bucket up to the deepest non-empty one (at most <paramref name="maxBucket"/>; deeper
    /// targets cost 2^depth hashes to generate and have no peers in any real network) not refreshed within
    /// <paramref name="interval"/>.
    /// </summary>
    public List<int> BucketsToRefresh(DateTimeOffset now, TimeSpan interval, int maxBucket = 15)
    {
        var deepest = -1;
        for (var i = 0; i <= 256; i++)
            if (_buckets[i] is { Count: > 0 })
                deepest = i;
        var due = new List<int>();
        for (var i = 0; i <= Math.Min(deepest, maxBucket); i++)
            if (now - _lastRefresh[i] >= interval)
                due.Add(i);
        return due;
    }

    /// <summary>Random key bytes whose keyspace point falls in bucket <paramref name="bucket"/> (a lookup target that refreshes it).</summary>
    public byte[] RandomKeyInBucket(int bucket, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bucket, 20);
        var candidate = new byte[32];
        while (true)
        {
            random.NextBytes(candidate);
            if (LocalKey.CommonPrefixLength(KademliaKey.ForBytes(candidate)) == bucket)
                return candidate;
        }
    }

    private sealed class Entry(PeerId peer, KademliaKey key, int bucket)
    {
        public PeerId Peer { get; } = peer;
        public KademliaKey Key { get; } = key;
        public int Bucket { get; } = bucket;
        public DateTimeOffset LastSeen { get; set; }
    }
}
