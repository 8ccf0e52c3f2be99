using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Messages;

namespace Cerebrum.Core.Market.Offers;

/// <summary>
/// The offers a daemon has heard on <c>cerebrum/1/offers</c>: the newest per node (by sequence), until it expires.
/// Bounded: when full, expired offers go first, then the lowest-ranked one (by <paramref name="rank"/>, the node's
/// standing on the ledger, then the one expiring soonest) if the newcomer ranks higher; otherwise the newcomer is not
/// kept. So a flood of fresh keys cannot push out registered nodes' offers (however long the keys' offers last), nor
/// offers that stay valid longer. Finding the lowest costs O(log n).
/// </summary>
/// <param name="rank">A node's standing, higher kept first (e.g. 2 Active, 1 registered, 0 unknown to the ledger); read when its offer is added. Null ranks all alike.</param>
public sealed class OfferBook(int capacity = 10_000, Func<PeerId, int>? rank = null)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<PeerId, Held> _offers = [];
    private readonly SortedSet<Held> _byRank = new(Comparer<Held>.Create((a, b) =>
        a.Rank != b.Rank ? a.Rank.CompareTo(b.Rank) : a.Offer.Expires != b.Offer.Expires ? a.Offer.Expires.CompareTo(b.Offer.Expires) : a.Order.CompareTo(b.Order)));
    private long _order;

    public int Count
    {
        get
        {
            lock (_gate) return _offers.Count;
        }
    }

    /// <summary>Keeps <paramref name="offer"/> if it is newer than the node's current one; true when kept.</summary>
    public bool Add(VerifiedOffer offer, DateTimeOffset now)
    {
        lock (_gate)
        {
            var standing = rank?.Invoke(offer.Node) ?? 0;
            if (_offers.TryGetValue(offer.Node, out var current))
            {
                if (offer.Offer.Sequence <= current.Offer.Offer.Sequence && current.Offer.Expires > now) return false;
                Remove(current);
            }
            else if (_offers.Count >= capacity)
            {
                Prune(now);
                if (_offers.Count >= capacity)
                {
                    var lowest = _byRank.Min!;
                    if (lowest.Rank > standing || (lowest.Rank == standing && lowest.Offer.Expires >= offer.Expires)) return false;
                    Remove(lowest);
                }
            }
            var held = new Held(offer, standing, _order++);
            _offers[offer.Node] = held;
            _byRank.Add(held);
            return true;
        }
    }

    /// <summary>The unexpired offers, by node, optionally only those offering <paramref name="model"/> (a hash or a name).</summary>
    public IReadOnlyList<VerifiedOffer> Current(DateTimeOffset now, string? model = null)
    {
        lock (_gate)
        {
            Prune(now);
            return [.. _offers.Values.Select(h => h.Offer)
                .Where(o => model is null || o.Offer.Models.Any(m => m.Hash == model || m.Name == model))
                .OrderBy(o => o.Node.ToString(), StringComparer.Ordinal)];
        }
    }

    public VerifiedOffer? Get(PeerId node, DateTimeOffset now)
    {
        lock (_gate) return _offers.TryGetValue(node, out var held) && held.Offer.Expires > now ? held.Offer : null;
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var expired in _offers.Values.Where(h => h.Offer.Expires <= now).ToList())
            Remove(expired);
    }

    private void Remove(Held held)
    {
        _offers.Remove(held.Offer.Node);
        _byRank.Remove(held);
    }

    private sealed record Held(VerifiedOffer Offer, int Rank, long Order);
}
