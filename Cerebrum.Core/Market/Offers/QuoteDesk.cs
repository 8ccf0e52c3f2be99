using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Messages;
using Cerebrum.Core.Market.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.Market.Offers;

/// <summary>
/// A node's answer to job requests heard on <c>cerebrum/1/offers</c>: a signed quote when it serves the model (by hash or
/// name) at no more than the requester's maximum, has free slots, is not leased, and the request is not its own.
/// </summary>
public sealed class QuoteDesk(PrivateKey node, string chainId, TimeSpan quoteLifetime)
{
    /// <summary>The quote to send the requester, or null with why the node does not bid.</summary>
    public (SignedMarketMessage? Quote, string Reason) Answer(VerifiedJobRequest request, IReadOnlyList<OfferedModel> models, uint freeSlots, bool leased, DateTimeOffset now)
    {
        if (request.Requester == node.PeerId) return (null, "our own request");
        if (leased) return (null, "leased");
        if (freeSlots == 0) return (null, "no free slots");
        var job = request.Request;
        var model = models.FirstOrDefault(m => m.Hash == job.Model || m.Name == job.Model);
        if (model is null) return (null, $"model {job.Model} is not served here");
        if (model.PricePerRequest > job.MaxPricePerRequest) return (null, $"our price {model.PricePerRequest} is above the {job.MaxPricePerRequest} offered");
        var expires = DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(job.DeadlineUnixMs, (now + quoteLifetime).ToUnixTimeMilliseconds()));
        if (expires <= now) return (null, "the request's deadline has passed");
        var quote = new Quote
        {
            ChainId = chainId,
            Node = ByteString.CopyFrom(node.PeerId.Bytes.Span),
            RequestId = job.RequestId,
            ModelHash = model.Hash,
            PricePerRequest = model.PricePerRequest,
            Slots = freeSlots,
            IssuedUnixMs = now.ToUnixTimeMilliseconds(),
            ExpiresUnixMs = expires.ToUnixTimeMilliseconds(),
        };
        return (MarketSigning.Sign(node, MarketMessageKind.Quote, quote), "quoted");
    }
}
