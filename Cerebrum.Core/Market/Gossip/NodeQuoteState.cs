using Cerebrum.Core.Market.Proto;

namespace Cerebrum.Core.Market.Gossip;

/// <summary>What a node can offer a job request right now: its models with their prices, free slots, and whether it is leased.</summary>
public sealed record NodeQuoteState(IReadOnlyList<OfferedModel> Models, uint FreeSlots, bool Leased);
