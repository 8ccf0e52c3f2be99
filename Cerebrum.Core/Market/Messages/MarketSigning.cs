using System.Text;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.Market.Messages;

/// <summary>
/// Signs and opens <see cref="SignedMarketMessage"/> envelopes: the author signs "&lt;domain&gt;" || the body's exact bytes,
/// the domain naming the kind, so a signature over an offer is never good for a quote. Opening checks the key, the
/// signature, and that the body is its own canonical encoding (no unknown fields, no re-ordered or repeated fields), so
/// a relay cannot re-wrap a signed body into a payload with a new gossip id.
/// </summary>
public static class MarketSigning
{
    public static byte[] Domain(MarketMessageKind kind) => Encoding.ASCII.GetBytes(kind switch
    {
        MarketMessageKind.Offer => "cerebrum-offer:",
        MarketMessageKind.JobRequest => "cerebrum-job-request:",
        MarketMessageKind.Quote => "cerebrum-quote:",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown market message kind"),
    });

    public static byte[] SigningBytes(MarketMessageKind kind, ReadOnlySpan<byte> body) => [.. Domain(kind), .. body];

    public static SignedMarketMessage Sign(PrivateKey author, MarketMessageKind kind, IMessage body)
    {
        var bytes = body.ToByteArray();
        return new SignedMarketMessage
        {
            Body = ByteString.CopyFrom(bytes),
            PublicKey = ByteString.CopyFrom(author.PublicKey.ToProtobuf()),
            Signature = ByteString.CopyFrom(author.Sign(SigningBytes(kind, bytes))),
        };
    }

    /// <summary>Checks the envelope and parses its body; null and the author on success, otherwise what is wrong.</summary>
    public static string? TryOpen<T>(SignedMarketMessage? signed, MarketMessageKind kind, MessageParser<T> parser, out T body, out PeerId author)
        where T : IMessage<T>
    {
        body = default!;
        author = null!;
        if (signed is null || signed.Body.IsEmpty || signed.PublicKey.IsEmpty || signed.Signature.IsEmpty)
            return "body, public key or signature missing";
        PublicKey key;
        try
        {
            key = PublicKey.FromProtobuf(signed.PublicKey.Span);
        }
        catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException or InvalidDataException)
        {
            return $"bad public key: {e.Message}";
        }
        if (!key.Verify(SigningBytes(kind, signed.Body.Span), signed.Signature.Span)) return "bad signature";
        try
        {
            body = parser.WithDiscardUnknownFields(true).ParseFrom(signed.Body);
        }
        catch (InvalidProtocolBufferException e)
        {
            return $"signed bytes are not a {typeof(T).Name}: {e.Message}";
        }
        if (!body.ToByteString().Equals(signed.Body)) return $"the signed {typeof(T).Name} is not in canonical encoding";
        author = key.ToPeerId();
        return null;
    }
}
