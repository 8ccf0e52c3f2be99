namespace Cerebrum.Core.Market.Gossip;

/// <summary>The market's gossipsub topic: StrictNoSign (each payload carries its author's signature), id = SHA-256 of the payload.</summary>
public static class MarketTopics
{
    /// <summary>Nodes' signed offers and requesters' signed job requests (<c>OfferGossip</c>).</summary>
    public const string Offers = "cerebrum/1/offers";
}
