using System.Buffers;
using Cerebrum.Core.Multiformats;

namespace Cerebrum.Core.Network;

/// <summary>uvarint-length-prefixed messages, the framing identify, gossipsub and Cerebrum's protocols use.</summary>
public static class LengthPrefixedMessage
{
    /// <summary>Buffer a message starts in; larger messages grow it as their bytes arrive.</summary>
    private const int InitialBufferSize = 64 * 1024;

    /// <summary>Reads one message; null at a clean end of stream before any byte.</summary>
    /// <exception cref="InvalidDataException">Declared length above <paramref name="maxLength"/>, a bad varint, or a truncated message.</exception>
    public static async ValueTask<byte[]?> ReadAsync(Stream stream, int maxLength, CancellationToken ct)
    {
        var length = await ReadLengthAsync(stream, maxLength, ct).ConfigureAwait(false);
        return length is { } l ? await ReadBodyAsync(stream, l, ct).ConfigureAwait(false) : null;
    }

    /// <summary>
    /// Reads a message's length prefix only, so that a caller can decide (e.g. against a memory budget) whether to read
    /// the body with <see cref="ReadBodyAsync"/> or discard it with <see cref="SkipBodyAsync"/>; null at a clean end of
    /// stream before any byte.
    /// </summary>
    /// <exception cref="InvalidDataException">Declared length above <paramref name="maxLength"/> or a bad varint.</exception>
    public static async ValueTask<int?> ReadLengthAsync(Stream stream, int maxLength, CancellationToken ct)
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
            if ((header[0] & 0x80) == 0)
            {
                // As Varint does: the unsigned-varint spec allows one encoding per value, so a padded prefix is malformed.
                if (header[0] == 0 && i > 0) throw new InvalidDataException("length prefix is not minimally encoded");
                break;
            }
            shift += 7;
        }
        if (length > (ulong)maxLength)
            throw new InvalidDataException($"message of {length} bytes exceeds the limit of {maxLength} bytes");
        return (int)length;
    }

    /// <summary>Reads the <paramref name="length"/> bytes of a message whose prefix <see cref="ReadLengthAsync"/> read.</summary>
    /// <exception cref="InvalidDataException">The stream ends before the message does.</exception>
    public static async ValueTask<byte[]> ReadBodyAsync(Stream stream, int length, CancellationToken ct)
    {
        // The declared length is the peer's claim: memory grows with the bytes that actually arrive (doubling from
        // InitialBufferSize), so a few bytes claiming a large message cannot reserve that much memory.
        var message = new byte[Math.Min(length, InitialBufferSize)];
        var filled = 0;
        while (true)
        {
            try
            {
                await stream.ReadExactlyAsync(message.AsMemory(filled), ct).ConfigureAwait(false);
            }
            catch (EndOfStreamException)
            {
                throw new InvalidDataException($"stream ended inside a {length}-byte message");
            }
            filled = message.Length;
            if (filled == length)
                return message;
            Array.Resize(ref message, (int)Math.Min(length, (long)filled * 2));
        }
    }

    /// <summary>Reads and discards the <paramref name="length"/> bytes of a message, holding one small buffer.</summary>
    /// <exception cref="InvalidDataException">The stream ends before the message does.</exception>
    public static async ValueTask SkipBodyAsync(Stream stream, int length, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(length, InitialBufferSize));
        try
        {
            for (var left = length; left > 0;)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(0, Math.Min(left, buffer.Length)), ct).ConfigureAwait(false);
                if (n == 0) throw new InvalidDataException($"stream ended inside a {length}-byte message");
                left -= n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
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
