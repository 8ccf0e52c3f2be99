using System.Buffers;
using Cerebrum.Core.Multiformats;

namespace Cerebrum.Core.Network;

/// <summary>uvarint-length-prefixed messages, the framing identify, gossipsub and Cerebrum's protocols use.</summary>
public static class LengthPrefixedMessage
{
    /// <summary>Reads one message; null at a clean end of stream before any byte.</summary>
    /// <exception cref="InvalidDataException">Declared length above <paramref name="maxLength"/>, a bad varint, or a truncated message.</exception>
    public static async ValueTask<byte[]?> ReadAsync(Stream stream, int maxLength, CancellationToken ct)
    {
        var header = new byte[1];
        ulong length = 0;
        var shift = 0;
        for (var i = 0; ; i++)
        {
            var n = await stream.ReadAsync(header, ct).ConfigureAwait(false);
            if (n == 0)
            {
                if (i == 0) return null;
                throw new InvalidDataException("stream ended inside a length prefix");
            }
            if (i >= Varint.MaxLength) throw new InvalidDataException("length prefix is longer than 9 bytes");
            length |= (ulong)(header[0] & 0x7F) << shift;
            if ((header[0] & 0x80) == 0) break;
            shift += 7;
        }
        if (length > (ulong)maxLength)
            throw new InvalidDataException($"message of {length} bytes exceeds the limit of {maxLength} bytes");
        var message = new byte[(int)length];
        try
        {
            await stream.ReadExactlyAsync(message, ct).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"stream ended inside a {length}-byte message");
        }
        return message;
    }

    /// <summary>Writes prefix and message in one write and flushes.</summary>
    public static async ValueTask WriteAsync(Stream stream, ReadOnlyMemory<byte> message, CancellationToken ct)
    {
        var total = Varint.GetLength((ulong)message.Length) + message.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            var n = Varint.Write((ulong)message.Length, buffer);
            message.Span.CopyTo(buffer.AsSpan(n));
            await stream.WriteAsync(buffer.AsMemory(0, total), ct).ConfigureAwait(false);
            await stream.FlushAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
