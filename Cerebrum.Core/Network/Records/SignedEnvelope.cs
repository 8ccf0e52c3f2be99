using Cerebrum.Core.Crypto;
using Cerebrum.Core.Multiformats;
using Cerebrum.Core.Network.Records.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.Network.Records;

/// <summary>
/// A payload signed by its author's libp2p key for one purpose (libp2p/specs RFC 0002): the signature covers a domain
/// string that is not sent, so a signature made for one use never verifies for another.
/// </summary>
public sealed record SignedEnvelope(PublicKey Signer, ReadOnlyMemory<byte> PayloadType, ReadOnlyMemory<byte> Payload)
{
    /// <summary>The encoded envelope of <paramref name="payload"/>, signed by <paramref name="key"/> for <paramref name="domain"/>.</summary>
    public static byte[] Seal(PrivateKey key, string domain, ReadOnlySpan<byte> payloadType, ReadOnlySpan<byte> payload) =>
        new Envelope
        {
            PublicKey = ByteString.CopyFrom(key.PublicKey.ToProtobuf()),
            PayloadType = ByteString.CopyFrom(payloadType),
            Payload = ByteString.CopyFrom(payload),
            Signature = ByteString.CopyFrom(key.Sign(SigningBytes(domain, payloadType, payload))),
        }.ToByteArray();

    /// <summary>Decodes an envelope and checks its signature for <paramref name="domain"/>.</summary>
    /// <exception cref="FormatException">Not an envelope, an unusable key, or a signature that does not verify.</exception>
    public static SignedEnvelope Open(ReadOnlySpan<byte> encoded, string domain)
    {
        Envelope envelope;
        try
        {
            envelope = Envelope.Parser.ParseFrom(encoded);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new FormatException($"not a signed envelope: {e.Message}", e);
        }
        if (envelope.PublicKey.IsEmpty || envelope.Signature.IsEmpty)
            throw new FormatException("signed envelope without a public key or signature");
        PublicKey signer;
        try
        {
            signer = PublicKey.FromProtobuf(envelope.PublicKey.Span);
        }
        catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException or InvalidProtocolBufferException)
        {
            throw new FormatException($"signed envelope with an unusable public key: {e.Message}", e);
        }
        if (!signer.Verify(SigningBytes(domain, envelope.PayloadType.Span, envelope.Payload.Span), envelope.Signature.Span))
            throw new FormatException($"signed envelope whose signature does not verify for domain '{domain}'");
        return new SignedEnvelope(signer, envelope.PayloadType.Memory, envelope.Payload.Memory);
    }

    private static byte[] SigningBytes(string domain, ReadOnlySpan<byte> payloadType, ReadOnlySpan<byte> payload)
    {
        var domainBytes = System.Text.Encoding.UTF8.GetBytes(domain);
        var buffer = new byte[Varint.GetLength((ulong)domainBytes.Length) + domainBytes.Length
            + Varint.GetLength((ulong)payloadType.Length) + payloadType.Length
            + Varint.GetLength((ulong)payload.Length) + payload.Length];
        var offset = 0;
        Append(buffer, ref offset, domainBytes);
        Append(buffer, ref offset, payloadType);
        Append(buffer, ref offset, payload);
        return buffer;
    }

    private static void Append(Span<byte> buffer, ref int offset, ReadOnlySpan<byte> field)
    {
        offset += Varint.Write((ulong)field.Length, buffer[offset..]);
        field.CopyTo(buffer[offset..]);
        offset += field.Length;
    }
}
