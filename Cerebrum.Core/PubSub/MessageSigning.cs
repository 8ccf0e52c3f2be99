using System.Buffers;
using System.Text;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.PubSub.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.PubSub;

/// <summary>
/// StrictSign authoring and verification (pubsub/README.md, "Message Signing"): the signature covers
/// "libp2p-pubsub:" followed by the protobuf of the message without its signature and key fields.
/// </summary>
public static class MessageSigning
{
    private static readonly byte[] SignaturePrefix = Encoding.ASCII.GetBytes("libp2p-pubsub:");

    /// <summary>Builds a message under <paramref name="policy"/>; signs it with <paramref name="author"/> for StrictSign.</summary>
    public static Message Create(string topic, ReadOnlyMemory<byte> data, SignaturePolicy policy, PrivateKey author, ulong seqno)
    {
        // One copy of the caller's payload, into an array nobody else holds, wrapped without a second copy
        // (and without zeroing it first).
        var payload = GC.AllocateUninitializedArray<byte>(data.Length);
        data.Span.CopyTo(payload);
        var message = new Message { Topic = topic, Data = UnsafeByteOperations.UnsafeWrap(payload) };
        if (policy == SignaturePolicy.StrictNoSign)
            return message;
        message.From = ByteString.CopyFrom(author.PeerId.Bytes.Span);
        var seqnoBytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(seqnoBytes, seqno);
        message.Seqno = ByteString.CopyFrom(seqnoBytes);
        var signed = RentSignedBytes(message, out var length);
        try
        {
            message.Signature = UnsafeByteOperations.UnsafeWrap(author.Sign(signed.AsSpan(0, length)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(signed);
        }
        // The key travels only when a verifier cannot extract it from the peer id (e.g. RSA ids are hashes).
        if (author.PeerId.TryGetPublicKey() is null)
            message.Key = ByteString.CopyFrom(author.PublicKey.ToProtobuf());
        return message;
    }

    /// <summary>Checks <paramref name="message"/> against <paramref name="policy"/>, verifying signatures.</summary>
    public static SignatureCheck Check(Message message, SignaturePolicy policy)
    {
        if (policy == SignaturePolicy.StrictNoSign)
            return message.HasFrom || message.HasSeqno || message.HasSignature || message.HasKey
                ? SignatureCheck.UnexpectedField
                : SignatureCheck.Valid;

        if (!message.HasFrom || !message.HasSeqno || !message.HasSignature)
            return SignatureCheck.MissingField;
        PeerId author;
        try
        {
            author = PeerId.FromBytes(message.From.Span);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidDataException)
        {
            return SignatureCheck.BadAuthor;
        }

        PublicKey? key;
        try
        {
            key = author.TryGetPublicKey();
            if (key is null && message.HasKey)
            {
                key = PublicKey.FromProtobuf(message.Key.Span);
                if (!author.Matches(key)) return SignatureCheck.BadKey;
            }
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidDataException or NotSupportedException)
        {
            return SignatureCheck.BadKey;
        }
        if (key is null) return SignatureCheck.BadKey;
        var signed = RentSignedBytes(message, out var length);
        try
        {
            return key.Verify(signed.AsSpan(0, length), message.Signature.Span) ? SignatureCheck.Valid : SignatureCheck.BadSignature;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(signed);
        }
    }

    /// <summary>
    /// The signed bytes (prefix, then the message without signature and key) serialised once into a pooled buffer;
    /// the caller returns it to <see cref="ArrayPool{T}.Shared"/>. The clone shares the message's ByteStrings.
    /// </summary>
    private static byte[] RentSignedBytes(Message message, out int length)
    {
        var unsigned = message.Clone();
        unsigned.ClearSignature();
        unsigned.ClearKey();
        var size = unsigned.CalculateSize();
        length = SignaturePrefix.Length + size;
        var bytes = ArrayPool<byte>.Shared.Rent(length);
        SignaturePrefix.CopyTo(bytes, 0);
        unsigned.WriteTo(bytes.AsSpan(SignaturePrefix.Length, size));
        return bytes;
    }
}
