using System.Buffers;
using Cerebrum.Core.Multiformats;
using Cerebrum.Core.Network.Resources;

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

    /// <summary>Messages up to this size are read without a reservation (bookkeeping would cost more than they hold).</summary>
    public const int UnreservedSize = 4 * 1024;

    /// <summary>Reads the <paramref name="length"/> bytes of a message whose prefix <see cref="ReadLengthAsync"/> read.</summary>
    /// <remarks>
    /// On a stream that belongs to a resource scope (<see cref="IScopedStream"/>: every negotiated protocol stream), each
    /// buffer beyond <see cref="UnreservedSize"/> is reserved there before it is allocated, at
    /// <see cref="ReservationPriority.High"/>, and released when the read ends: a peer with many streams sending large
    /// messages slowly holds at most its memory limit, and a refused reservation fails the read.
    /// </remarks>
    /// <exception cref="InvalidDataException">The stream ends before the message does.</exception>
    /// <param name="reserve">False for a caller that reserved the message's memory itself (the infer handler, which answers a refusal with a typed error).</param>
    /// <exception cref="ResourceLimitExceededException">The stream's scope has no room for the message's buffer.</exception>
    public static async ValueTask<byte[]> ReadBodyAsync(Stream stream, int length, CancellationToken ct, bool reserve = true)
    {
        var scope = reserve && length > UnreservedSize ? (stream as IScopedStream)?.BufferScope : null;
        long reserved = 0;
        try
        {
            // The declared length is the peer's claim: memory grows with the bytes that actually arrive (doubling from
            // InitialBufferSize), so a few bytes claiming a large message cannot reserve that much memory.
            var message = new byte[Reserve(scope, Math.Min(length, InitialBufferSize), ref reserved, length)];
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
                var grown = (int)Math.Min(length, (long)filled * 2);
                // The old buffer is live while the new one is filled from it: both are reserved until the copy is done.
                Reserve(scope, grown, ref reserved, length);
                Array.Resize(ref message, grown);
                if (scope is not null)
                {
                    scope.ReleaseMemory(filled);
                    reserved -= filled;
                }
            }
        }
        finally
        {
            if (reserved > 0) scope!.ReleaseMemory(reserved);
        }
    }

    private static int Reserve(IResourceScope? scope, int bytes, ref long reserved, int length)
    {
        if (scope is null) return bytes;
        if (!scope.ReserveMemory(bytes, ReservationPriority.High))
            throw new ResourceLimitExceededException($"no memory left in the stream's budget for a {length}-byte message");
        reserved += bytes;
        return bytes;
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
