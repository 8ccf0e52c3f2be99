using System.Collections.Concurrent;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Multiaddr;

namespace Cerebrum.Core.Network.Peers;

/// <summary>Addresses, protocols, keys and agent versions of known peers, bounded in size.</summary>
public sealed class PeerStore
{
    private const int MaxAddressesPerPeer = 32;
    private readonly ConcurrentDictionary<PeerId, PeerInfo> _peers = new();
    private readonly int _capacity;
    private readonly TimeProvider _time;

    public PeerStore(int capacity, TimeProvider time)
    {
        _capacity = capacity;
        _time = time;
    }

    public int Count => _peers.Count;

    public PeerInfo? Get(PeerId peer) => _peers.GetValueOrDefault(peer);

    public IReadOnlyCollection<PeerInfo> All => [.. _peers.Values];

    /// <summary>Applies <paramref name="update"/> atomically to the peer's record (created when absent and there is room).</summary>
    public PeerInfo? Update(PeerId peer, Func<PeerInfo, PeerInfo> update)
    {
        if (!_peers.ContainsKey(peer) && _peers.Count >= _capacity && !EvictOldest())
            return null;
        var now = _time.GetUtcNow();
        return _peers.AddOrUpdate(peer,
            id => update(new PeerInfo { PeerId = id, LastSeen = now }) with { LastSeen = now },
            (_, old) => update(old) with { LastSeen = now });
    }

    public void AddAddresses(PeerId peer, IEnumerable<Multiaddress> addresses) =>
        Update(peer, info => info with { Addresses = Merge(info.Addresses, addresses) });

    /// <summary>
    /// Keeps a verified signed peer record when it is newer than the one held, its addresses first (the peer itself
    /// vouches for them). Returns false for a record not newer than the held one, which changes nothing.
    /// </summary>
    public bool AddPeerRecord(Records.PeerRecord record, ReadOnlyMemory<byte> envelope)
    {
        var accepted = false;
        Update(record.Peer, info =>
        {
            accepted = info.SignedPeerRecord.IsEmpty || record.Sequence > info.PeerRecordSequence;
            if (!accepted) return info;
            return info with
            {
                SignedPeerRecord = envelope,
                PeerRecordSequence = record.Sequence,
                Addresses = Merge(record.Addresses, info.Addresses),
            };
        });
        return accepted;
    }

    /// <summary>
    /// The addresses of <paramref name="first"/>, then those of <paramref name="then"/> not among them, without /p2p,
    /// bounded. A bare /p2p/&lt;id&gt; says nothing about where to dial and is dropped (a peer may send one).
    /// </summary>
    private static IReadOnlyList<Multiaddress> Merge(IEnumerable<Multiaddress> first, IEnumerable<Multiaddress> then) =>
        [.. first.Concat(then).Where(a => a.PeerId is null || a.Components.Count > 1).Select(a => a.WithoutPeerId()).Distinct().Take(MaxAddressesPerPeer)];

    public void Remove(PeerId peer) => _peers.TryRemove(peer, out _);

    private bool EvictOldest()
    {
        var oldest = _peers.Values.MinBy(p => p.LastSeen);
        return oldest is not null && _peers.TryRemove(oldest.PeerId, out _);
    }
}
