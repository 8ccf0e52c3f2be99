using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Messages;

namespace Cerebrum.Core.Market.Offers;

/// <summary>
/// The offers a daemon has heard on <c>cerebrum/1/offers</c>: the newest per node (by sequence), until it expires.
/// Bounded: when full, expired offers go first, then the one expiring soonest if the newcomer outlives it; otherwise the
/// newcomer is not kept (so a flood of fresh keys cannot push out offers that stay valid longer).
/// </summary>
public sealed class OfferBook(int capacity = 10_000)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<PeerId, VerifiedOffer> _offers = [];

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
            if (_offers.TryGetValue(offer.Node, out var current))
            {
                if (offer.Offer.Sequence <= current.Offer.Sequence && current.Expires > now) return false;
                _offers[offer.Node] = offer;
                return true;
            }
            if (_offers.Count >= capacity)
            {
                Prune(now);
                if (_offers.Count >= capacity)
                {
                    var soonest = _offers.Values.MinBy(o => o.Expires)!;
                    if (soonest.Expires >= offer.Expires) return false;
                    _offers.Remove(soonest.Node);
                }
            }
            _offers[offer.Node] = offer;
            return true;
        }
    }

    /// <summary>The unexpired offers, by node, optionally only those offering <paramref name="model"/> (a hash or a name).</summary>
    public IReadOnlyList<VerifiedOffer> Current(DateTimeOffset now, string? model = null)
    {
        lock (_gate)
        {
            Prune(now);
            return [.. _offers.Values
                .Where(o => model is null || o.Offer.Models.Any(m => m.Hash == model || m.Name == model))
                .OrderBy(o => o.Node.ToString(), StringComparer.Ordinal)];
        }
    }

    public VerifiedOffer? Get(PeerId node, DateTimeOffset now)
    {
        lock (_gate) return _offers.TryGetValue(node, out var offer) && offer.Expires > now ? offer : null;
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var expired in _offers.Values.Where(o => o.Expires <= now).Select(o => o.Node).ToList())
            _offers.Remove(expired);
    }
}
