using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Proto;
using Cerebrum.Core.Network.Multiaddr;

namespace Cerebrum.Core.Market.Messages;

/// <summary>An offer whose signature and bounds checked out; <paramref name="Node"/> is the signing key's peer ID.</summary>
public sealed record VerifiedOffer(PeerId Node, Offer Offer, IReadOnlyList<Multiaddress> Addresses)
{
    public DateTimeOffset Expires => DateTimeOffset.FromUnixTimeMilliseconds(Offer.ExpiresUnixMs);

    public bool IsLeased(DateTimeOffset now) => Offer.LeasedUntilUnixMs > now.ToUnixTimeMilliseconds();
}
