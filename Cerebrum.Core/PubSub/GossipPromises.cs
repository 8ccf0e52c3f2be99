using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.PubSub;

/// <summary>
/// IWANT follow-up tracking (gossipsub-v1.1, "Spam Protection Measures"): for each IHAVE answered with an IWANT,
/// one advertised id is remembered; if no peer delivers it in time, the advertiser broke its promise.
/// </summary>
public sealed class GossipPromises
{
    private readonly TimeSpan _followupTime;
    private readonly Dictionary<MessageId, Dictionary<PeerId, TimeSpan>> _promises = [];

    public GossipPromises(TimeSpan followupTime) => _followupTime = followupTime;

    public int Count => _promises.Count;

    public void Add(PeerId advertiser, MessageId id, TimeSpan now)
    {
        if (!_promises.TryGetValue(id, out var byPeer)) _promises[id] = byPeer = [];
        byPeer.TryAdd(advertiser, now + _followupTime);
    }

    /// <summary>The message arrived (from anyone, valid or not): every promise for it is kept.</summary>
    public void Fulfil(MessageId id) => _promises.Remove(id);

    /// <summary>Removes and counts the promises broken by <paramref name="now"/>, per advertiser.</summary>
    public Dictionary<PeerId, int> TakeBroken(TimeSpan now)
    {
        var broken = new Dictionary<PeerId, int>();
        List<MessageId>? empty = null;
        foreach (var (id, byPeer) in _promises)
        {
            List<PeerId>? expired = null;
            foreach (var (peer, expiry) in byPeer)
                if (expiry <= now) (expired ??= []).Add(peer);
            if (expired is null) continue;
            foreach (var peer in expired)
            {
                byPeer.Remove(peer);
                broken[peer] = broken.GetValueOrDefault(peer) + 1;
            }
            if (byPeer.Count == 0) (empty ??= []).Add(id);
        }
        if (empty is not null)
            foreach (var id in empty) _promises.Remove(id);
        return broken;
    }
}
