using System.Collections.Concurrent;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Network;

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
        Update(peer, info => info with
        {
            Addresses = [.. info.Addresses.Concat(addresses.Select(a => a.WithoutPeerId())).Distinct().Take(MaxAddressesPerPeer)],
        });

    public void Remove(PeerId peer) => _peers.TryRemove(peer, out _);

    private bool EvictOldest()
    {
        var oldest = _peers.Values.MinBy(p => p.LastSeen);
        return oldest is not null && _peers.TryRemove(oldest.PeerId, out _);
    }
}
