using Google.Protobuf;

namespace Cerebrum.Core.Common;

/// <summary>
/// Parsing of signed or hashed protobuf messages that accepts only their canonical encoding: the bytes must be exactly
/// what encoding the parsed message gives (fields in number order, minimal varints, no default values written, no
/// repeated or unknown fields). Protobuf parsers accept many encodings of one message; where bytes are hashed (a
/// transaction's id, a block's value bytes) or relayed (gossip message ids are the payload's hash), each such variant
/// would be a new object with the same meaning, made by anyone who relays it.
/// </summary>
public static class CanonicalProtobuf
{
    /// <summary>Parses <paramref name="bytes"/>; false with a reason when they do not parse or are not the canonical encoding.</summary>
    public static bool TryParse<T>(MessageParser<T> parser, ReadOnlySpan<byte> bytes, out T? message, out string? error)
        where T : IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(parser);
        message = default;
        T parsed;
        try
        {
            parsed = Discarding<T>.Get(parser).ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            error = e.Message;
            return false;
        }
        if (!IsEncodingOf(parsed, bytes))
        {
            error = $"not the canonical encoding of a {typeof(T).Name} (unknown, repeated or out-of-order fields, or padded numbers)";
            return false;
        }
        message = parsed;
        error = null;
        return true;
    }

    /// <summary>True when <paramref name="bytes"/> is exactly the encoding of <paramref name="message"/>.</summary>
    public static bool IsEncodingOf(IMessage message, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.CalculateSize() != bytes.Length) return false;
        var encoded = message.ToByteArray();
        return bytes.SequenceEqual(encoded);
    }

    // One discarding parser per message type (a parser is immutable and thread-safe).
    private static class Discarding<T> where T : IMessage<T>
    {
        private static MessageParser<T>? _parser;

        public static MessageParser<T> Get(MessageParser<T> parser) => _parser ??= parser.WithDiscardUnknownFields(true);
    }
}
