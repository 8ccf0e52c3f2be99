using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Proto;

namespace Cerebrum.Core.Market.Messages;

/// <summary>A quote whose signature and bounds checked out; <paramref name="Node"/> is the signing key's peer ID.</summary>
/// <param name="Signed">The envelope as received, kept as the node's signed word on its price.</param>
public sealed record VerifiedQuote(PeerId Node, Quote Quote, SignedMarketMessage Signed)
{
    public DateTimeOffset Expires => DateTimeOffset.FromUnixTimeMilliseconds(Quote.ExpiresUnixMs);
}
