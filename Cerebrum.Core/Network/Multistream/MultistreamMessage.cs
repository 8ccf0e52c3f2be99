using System.Text;
using Cerebrum.Core.Multiformats;

namespace Cerebrum.Core.Network.Multistream;

/// <summary>
/// Encoding of multistream-select messages: uvarint length, UTF-8 text, '\n' (the length counts the '\n').
/// </summary>
public static class MultistreamMessage
{
    /// <summary>Largest message (length prefix value, newline included) accepted from a peer; js-libp2p caps at 1 KiB too.</summary>
    public const int DefaultMaxLength = 1024;

    /// <summary>The listener's "not available" answer.</summary>
    public const string NotAvailable = "na";

    /// <summary>The dialer's request for the listener's protocol list.</summary>
    public const string List = "ls";

    /// <summary>Encodes one or more messages back to back, so they can go out in one write.</summary>
    /// <exception cref="ArgumentException">A message is empty or contains a newline.</exception>
    public static byte[] Encode(params ReadOnlySpan<string> messages)
    {
        var length = 0;
        foreach (var message in messages)
            length += GetEncodedLength(message);
        var result = new byte[length];
        var offset = 0;
        foreach (var message in messages)
            offset += Write(message, result.AsSpan(offset));
        return result;
    }

    /// <summary>
    /// The answer to <c>ls</c>: one message whose body is each protocol as an embedded message, then '\n'
    /// (the layout the multistream-select README describes).
    /// </summary>
    public static byte[] EncodeList(IEnumerable<string> protocols)
    {
        ArgumentNullException.ThrowIfNull(protocols);
        var body = Encode([.. protocols]);
        var bodyLength = (ulong)body.Length + 1;
        var result = new byte[Varint.GetLength(bodyLength) + body.Length + 1];
        var offset = Varint.Write(bodyLength, result);
        body.CopyTo(result.AsSpan(offset));
        result[^1] = (byte)'\n';
        return result;
    }

    /// <summary>Bytes <paramref name="message"/> takes on the wire, prefix and newline included.</summary>
    public static int GetEncodedLength(string message)
    {
        Validate(message);
        var length = Encoding.UTF8.GetByteCount(message) + 1;
        return Varint.GetLength((ulong)length) + length;
    }

    private static int Write(string message, Span<byte> destination)
    {
        var length = Encoding.UTF8.GetByteCount(message) + 1;
        var offset = Varint.Write((ulong)length, destination);
        offset += Encoding.UTF8.GetBytes(message, destination[offset..]);
        destination[offset++] = (byte)'\n';
        return offset;
    }

    private static void Validate(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Length == 0)
            throw new ArgumentException("multistream messages cannot be empty", nameof(message));
        if (message.Contains('\n', StringComparison.Ordinal))
            throw new ArgumentException($"multistream message '{message}' contains a newline", nameof(message));
    }
}
