using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Messages;
using Cerebrum.Core.Market.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.Market.Offers;

/// <summary>
/// A requester's open job requests and the quotes nodes sent for them over <c>/cerebrum/bid/1.0.0</c>: a quote is kept
/// only for a request of ours still open, from the node that signed it, within our maximum price, one per node (its
/// latest). Bounded in requests and in quotes per request.
/// </summary>
public sealed class QuoteBook(int maxRequests = 64, int maxQuotesPerRequest = 256)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ByteString, (JobRequest Request, Dictionary<PeerId, VerifiedQuote> Quotes)> _requests = [];

    /// <summary>Opens <paramref name="request"/> for quotes; false when too many are open.</summary>
    public bool Register(JobRequest request)
    {
        lock (_gate)
        {
            if (_requests.Count >= maxRequests && !_requests.ContainsKey(request.RequestId)) return false;
            _requests.TryAdd(request.RequestId, (request, []));
            return true;
        }
    }

    public void Forget(ByteString requestId)
    {
        lock (_gate) _requests.Remove(requestId);
    }

    /// <summary>Takes a quote that arrived from peer <paramref name="from"/>; the answer to send back.</summary>
    public BidResponse Accept(PeerId from, VerifiedQuote quote, DateTimeOffset now)
    {
        if (quote.Node != from) return Refuse(MarketErrorCode.BadSignature, "the quote is signed by another node than the sender");
        lock (_gate)
        {
            if (!_requests.TryGetValue(quote.Quote.RequestId, out var open)) return Refuse(MarketErrorCode.UnknownRequest, "no open request of ours has this id");
            if (open.Request.DeadlineUnixMs <= now.ToUnixTimeMilliseconds()) return Refuse(MarketErrorCode.Expired, "the request's deadline has passed");
            if (quote.Quote.PricePerRequest > open.Request.MaxPricePerRequest)
                return Refuse(MarketErrorCode.PriceTooLow, $"the quote's {quote.Quote.PricePerRequest} is above our maximum of {open.Request.MaxPricePerRequest}");
            if (open.Quotes.Count >= maxQuotesPerRequest && !open.Quotes.ContainsKey(from)) return Refuse(MarketErrorCode.RateLimited, "enough quotes for this request");
            open.Quotes[from] = quote;
            return new BidResponse();
        }
    }

    /// <summary>The unexpired quotes for a request, cheapest first, then most slots.</summary>
    public IReadOnlyList<VerifiedQuote> Quotes(ByteString requestId, DateTimeOffset now)
    {
        lock (_gate)
            return _requests.TryGetValue(requestId, out var open)
                ? [.. open.Quotes.Values.Where(q => q.Expires > now).OrderBy(q => q.Quote.PricePerRequest).ThenByDescending(q => q.Quote.Slots).ThenBy(q => q.Node.ToString(), StringComparer.Ordinal)]
                : [];
    }

    private static BidResponse Refuse(MarketErrorCode code, string message) => new() { Error = new MarketError { Code = code, Message = message } };
}
