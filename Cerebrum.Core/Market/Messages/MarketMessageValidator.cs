using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Proto;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.PubSub;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace Cerebrum.Core.Market.Messages;

/// <summary>
/// Checks every market message before anything is kept or relayed: size, envelope (key, signature, canonical body),
/// author (the peer a message names must be its signer), chain id, text and list bounds, prices, and times. What the
/// author is to blame for is rejected; a message that merely expired or comes from a clock ahead of ours (an honest
/// relay may pass such on) is ignored.
/// </summary>
public sealed class MarketMessageValidator
{
    public const int RequestIdLength = 16;

    private readonly string _chainId;
    private readonly MarketLimits _limits;

    /// <exception cref="ArgumentException">Invalid limits.</exception>
    public MarketMessageValidator(string chainId, MarketLimits? limits = null)
    {
        _chainId = chainId;
        _limits = limits ?? new MarketLimits();
        _limits.Validate();
    }

    public MarketLimits Limits => _limits;

    /// <summary>A <c>cerebrum/1/offers</c> payload: one signed offer or job request.</summary>
    public MarketVerdict<object> ValidateGossip(ReadOnlySpan<byte> payload, DateTimeOffset now)
    {
        if (payload.Length > _limits.MaxMessageBytes)
            return MarketVerdict.Reject<object>($"{payload.Length} bytes exceeds the limit of {_limits.MaxMessageBytes}");
        OfferGossip gossip;
        try
        {
            gossip = OfferGossip.Parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            return MarketVerdict.Reject<object>($"not an OfferGossip: {e.Message}");
        }
        return gossip.KindCase switch
        {
            OfferGossip.KindOneofCase.Offer => Widen(ValidateOffer(gossip.Offer, now)),
            OfferGossip.KindOneofCase.JobRequest => Widen(ValidateJobRequest(gossip.JobRequest, now)),
            _ => MarketVerdict.Reject<object>("neither an offer nor a job request"),
        };
    }

    public MarketVerdict<VerifiedOffer> ValidateOffer(SignedMarketMessage signed, DateTimeOffset now)
    {
        if (Open(signed, MarketMessageKind.Offer, Offer.Parser, out var offer, out var node) is { } bad) return MarketVerdict.Reject<VerifiedOffer>(bad);
        if (Common(offer.ChainId, offer.Node, node, "node") is { } wrong) return MarketVerdict.Reject<VerifiedOffer>(wrong);
        if (offer.Models.Count > _limits.MaxModels) return MarketVerdict.Reject<VerifiedOffer>($"{offer.Models.Count} models exceeds the limit of {_limits.MaxModels}");
        if (offer.Models.Count == 0 && offer.Lease is null) return MarketVerdict.Reject<VerifiedOffer>("the offer offers neither a model nor a lease");
        var hashes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var model in offer.Models)
        {
            if (!IsText(model.Hash, 1) || !IsText(model.Name, 0) || !IsText(model.Task, 0))
                return MarketVerdict.Reject<VerifiedOffer>($"a model's hash, name or task is empty or longer than {_limits.MaxTextLength}");
            if (!hashes.Add(model.Hash)) return MarketVerdict.Reject<VerifiedOffer>($"model {model.Hash} is offered twice");
        }
        if (offer.Lease is { } lease && (lease.PricePerHour == 0 || lease.MinHours == 0 || lease.MaxHours < lease.MinHours))
            return MarketVerdict.Reject<VerifiedOffer>("a lease price must be positive with 1 <= min hours <= max hours");
        if (!IsText(offer.Hardware, 0) || offer.Region.Length > _limits.MaxRegionLength)
            return MarketVerdict.Reject<VerifiedOffer>($"hardware or region too long");
        if (Addresses(offer.Addresses, out var addresses) is { } badAddress) return MarketVerdict.Reject<VerifiedOffer>(badAddress);
        if (Times(offer.IssuedUnixMs, offer.ExpiresUnixMs, now) is { } time) return time.Result == ValidationResult.Reject
            ? MarketVerdict.Reject<VerifiedOffer>(time.Reason) : MarketVerdict.Ignore<VerifiedOffer>(time.Reason);
        return MarketVerdict.Accept<VerifiedOffer>(new VerifiedOffer(node, offer, addresses));
    }

    public MarketVerdict<VerifiedJobRequest> ValidateJobRequest(SignedMarketMessage signed, DateTimeOffset now)
    {
        if (Open(signed, MarketMessageKind.JobRequest, JobRequest.Parser, out var request, out var requester) is { } bad)
            return MarketVerdict.Reject<VerifiedJobRequest>(bad);
        if (Common(request.ChainId, request.Requester, requester, "requester") is { } wrong) return MarketVerdict.Reject<VerifiedJobRequest>(wrong);
        if (request.RequestId.Length != RequestIdLength) return MarketVerdict.Reject<VerifiedJobRequest>($"a request id has {RequestIdLength} bytes");
        if (!IsText(request.Model, 1)) return MarketVerdict.Reject<VerifiedJobRequest>("the model is empty or too long");
        if (request.Inputs == 0 || request.Inputs > _limits.MaxJobInputs)
            return MarketVerdict.Reject<VerifiedJobRequest>($"a job request has 1 to {_limits.MaxJobInputs} inputs, not {request.Inputs}");
        if (Addresses(request.Addresses, out var addresses) is { } badAddress) return MarketVerdict.Reject<VerifiedJobRequest>(badAddress);
        if (Times(request.IssuedUnixMs, request.DeadlineUnixMs, now) is { } time) return time.Result == ValidationResult.Reject
            ? MarketVerdict.Reject<VerifiedJobRequest>(time.Reason) : MarketVerdict.Ignore<VerifiedJobRequest>(time.Reason);
        return MarketVerdict.Accept<VerifiedJobRequest>(new VerifiedJobRequest(requester, request, addresses));
    }

    public MarketVerdict<VerifiedQuote> ValidateQuote(SignedMarketMessage? signed, DateTimeOffset now)
    {
        if (signed is null) return MarketVerdict.Reject<VerifiedQuote>("no quote");
        if (signed.CalculateSize() > _limits.MaxMessageBytes) return MarketVerdict.Reject<VerifiedQuote>($"a quote exceeds {_limits.MaxMessageBytes} bytes");
        if (Open(signed, MarketMessageKind.Quote, Quote.Parser, out var quote, out var node) is { } bad) return MarketVerdict.Reject<VerifiedQuote>(bad);
        if (Common(quote.ChainId, quote.Node, node, "node") is { } wrong) return MarketVerdict.Reject<VerifiedQuote>(wrong);
        if (quote.RequestId.Length != RequestIdLength) return MarketVerdict.Reject<VerifiedQuote>($"a request id has {RequestIdLength} bytes");
        if (!IsText(quote.ModelHash, 1)) return MarketVerdict.Reject<VerifiedQuote>("the model hash is empty or too long");
        if (quote.Slots == 0) return MarketVerdict.Reject<VerifiedQuote>("a quote offers at least one slot");
        if (Times(quote.IssuedUnixMs, quote.ExpiresUnixMs, now) is { } time) return time.Result == ValidationResult.Reject
            ? MarketVerdict.Reject<VerifiedQuote>(time.Reason) : MarketVerdict.Ignore<VerifiedQuote>(time.Reason);
        return MarketVerdict.Accept<VerifiedQuote>(new VerifiedQuote(node, quote, signed));
    }

    /// <summary>Null when a lease request is well formed for this chain; otherwise what is wrong.</summary>
    public string? CheckLeaseRequest(LeaseRequest request, out IReadOnlyList<PeerId> delegates)
    {
        delegates = [];
        if (request.ChainId != _chainId) return $"the request is for chain '{request.ChainId}', this is '{_chainId}'";
        if (request.Hours == 0) return "a lease lasts at least one hour";
        if (request.Delegates.Count > _limits.MaxDelegates) return $"at most {_limits.MaxDelegates} delegates";
        var parsed = new List<PeerId>(request.Delegates.Count);
        foreach (var bytes in request.Delegates)
        {
            try
            {
                parsed.Add(PeerId.FromBytes(bytes.Span));
            }
            catch (Exception e) when (e is FormatException or InvalidDataException or ArgumentException)
            {
                return $"a delegate is not a peer ID: {e.Message}";
            }
        }
        delegates = parsed;
        return null;
    }

    private string? Open<T>(SignedMarketMessage? signed, MarketMessageKind kind, MessageParser<T> parser, out T body, out PeerId author) where T : IMessage<T>
    {
        body = default!;
        author = null!;
        if (signed is not null && signed.Body.Length > _limits.MaxMessageBytes) return $"body exceeds {_limits.MaxMessageBytes} bytes";
        return MarketSigning.TryOpen(signed, kind, parser, out body, out author);
    }

    private string? Common(string chainId, ByteString named, PeerId author, string role)
    {
        if (chainId != _chainId) return $"for chain '{chainId}', this is '{_chainId}'";
        return named.Span.SequenceEqual(author.Bytes.Span) ? null : $"the {role} named is not the signing key's {author}";
    }

    private bool IsText(string text, int minLength) => text.Length >= minLength && text.Length <= _limits.MaxTextLength;

    private string? Addresses(RepeatedField<ByteString> encoded, out IReadOnlyList<Multiaddress> addresses)
    {
        addresses = [];
        if (encoded.Count > _limits.MaxAddresses) return $"{encoded.Count} addresses exceeds the limit of {_limits.MaxAddresses}";
        var parsed = new Multiaddress[encoded.Count];
        for (var i = 0; i < parsed.Length; i++)
        {
            try
            {
                parsed[i] = Multiaddress.FromBytes(encoded[i].Span);
            }
            catch (FormatException e)
            {
                return $"address {i} is not a multiaddr: {e.Message}";
            }
            if (parsed[i].PeerId is not null) return $"address {parsed[i]} has a /p2p part; the message names its peer";
        }
        addresses = parsed;
        return null;
    }

    private (ValidationResult Result, string Reason)? Times(long issuedUnixMs, long expiresUnixMs, DateTimeOffset now)
    {
        if (expiresUnixMs <= issuedUnixMs) return (ValidationResult.Reject, "expires before it was issued");
        if ((ulong)(expiresUnixMs - issuedUnixMs) > (ulong)_limits.MaxLifetime.TotalMilliseconds)
            return (ValidationResult.Reject, $"valid for longer than {_limits.MaxLifetime}");
        var nowMs = now.ToUnixTimeMilliseconds();
        if (issuedUnixMs > nowMs + (long)_limits.MaxFutureSkew.TotalMilliseconds)
            return (ValidationResult.Ignore, $"issued {issuedUnixMs - nowMs} ms ahead of our clock");
        if (expiresUnixMs <= nowMs) return (ValidationResult.Ignore, "expired");
        return null;
    }

    private static MarketVerdict<object> Widen<T>(MarketVerdict<T> verdict) where T : class => new(verdict.Result, verdict.Reason, verdict.Value);
}
