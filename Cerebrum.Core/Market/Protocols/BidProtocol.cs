using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Messages;
using Cerebrum.Core.Market.Offers;
using Cerebrum.Core.Market.Proto;
using Cerebrum.Core.Network;
using Google.Protobuf;

namespace Cerebrum.Core.Market.Protocols;

/// <summary>
/// <c>/cerebrum/bid/1.0.0</c>: a node answering a job request it heard opens a stream to the requester and sends one
/// uvarint-length-prefixed <see cref="BidRequest"/> (its signed quote); the requester answers one <see cref="BidResponse"/>.
/// </summary>
public static class BidProtocol
{
    public const string ProtocolId = "/cerebrum/bid/1.0.0";

    /// <summary>The requester's side: checks each quote and keeps it in <paramref name="quotes"/> if it fits an open request.</summary>
    public static void Register(PeerHost host, MarketMessageValidator validator, QuoteBook quotes, TimeProvider time) => host.SetHandler(ProtocolId, async (stream, ct) =>
    {
        var message = await LengthPrefixedMessage.ReadAsync(stream.Stream, validator.Limits.MaxMessageBytes, ct).ConfigureAwait(false)
            ?? throw new InvalidDataException("the stream ended before a bid");
        var response = Answer(message, stream.Connection.RemotePeer, validator, quotes, time.GetUtcNow());
        await LengthPrefixedMessage.WriteAsync(stream.Stream, response.ToByteArray(), ct).ConfigureAwait(false);
    });

    /// <summary>Decides one bid from <paramref name="from"/>.</summary>
    public static BidResponse Answer(byte[] message, PeerId from, MarketMessageValidator validator, QuoteBook quotes, DateTimeOffset now)
    {
        BidRequest request;
        try
        {
            request = BidRequest.Parser.ParseFrom(message);
        }
        catch (InvalidProtocolBufferException e)
        {
            return Refuse(MarketErrorCode.BadRequest, $"not a BidRequest: {e.Message}");
        }
        var verdict = validator.ValidateQuote(request.Quote, now);
        if (!verdict.IsAccepted)
            return Refuse(verdict.Reason.Contains("signature", StringComparison.Ordinal) ? MarketErrorCode.BadSignature
                : verdict.Result == PubSub.ValidationResult.Ignore ? MarketErrorCode.Expired : MarketErrorCode.BadRequest, verdict.Reason);
        return quotes.Accept(from, verdict.Value!, now);
    }

    /// <summary>Sends a quote to <paramref name="requester"/> (node side); its answer.</summary>
    /// <exception cref="InvalidDataException">The requester answered something unreadable.</exception>
    public static async Task<BidResponse> SendAsync(PeerHost host, PeerId requester, SignedMarketMessage quote, CancellationToken ct)
    {
        await using var stream = await host.OpenStreamAsync(requester, [ProtocolId], ct).ConfigureAwait(false);
        await LengthPrefixedMessage.WriteAsync(stream.Stream, new BidRequest { Quote = quote }.ToByteArray(), ct).ConfigureAwait(false);
        var answer = await LengthPrefixedMessage.ReadAsync(stream.Stream, 4 * 1024, ct).ConfigureAwait(false)
            ?? throw new InvalidDataException($"{requester} closed the stream without answering the quote");
        try
        {
            return BidResponse.Parser.ParseFrom(answer);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{requester} answered the quote with something that is not a BidResponse: {e.Message}", e);
        }
    }

    private static BidResponse Refuse(MarketErrorCode code, string message) => new() { Error = new MarketError { Code = code, Message = message } };
}
