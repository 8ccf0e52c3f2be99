namespace Cerebrum.Core.PubSub;

/// <summary>Message ids seen recently (seen_ttl), so duplicates are neither delivered nor forwarded twice.</summary>
public sealed class SeenCache
{
    private readonly TimeSpan _ttl;
    private readonly Dictionary<MessageId, TimeSpan> _expiry = [];
    // Insertion order equals expiry order because the TTL is fixed, so sweeping pops from the front.
    private readonly Queue<(MessageId Id, TimeSpan Expiry)> _order = new();

    public SeenCache(TimeSpan ttl) => _ttl = ttl;

    public int Count => _expiry.Count;

    public bool Contains(MessageId id) => _expiry.ContainsKey(id);

    /// <summary>Marks <paramref name="id"/> seen; false when it already was.</summary>
    public bool Add(MessageId id, TimeSpan now)
    {
        if (_expiry.ContainsKey(id)) return false;
        var expiry = now + _ttl;
        _expiry[id] = expiry;
        _order.Enqueue((id, expiry));
        return true;
    }

    /// <summary>Forgets <paramref name="id"/> early, e.g. when its validation was throttled.</summary>
    public void Remove(MessageId id) => _expiry.Remove(id);

    /// <summary>Forgets ids whose TTL has passed.</summary>
    public void Sweep(TimeSpan now)
    {
        while (_order.TryPeek(out var head) && head.Expiry <= now)
        {
            _order.Dequeue();
            if (_expiry.TryGetValue(head.Id, out var expiry) && expiry == head.Expiry)
                _expiry.Remove(head.Id);
        }
    }
}
