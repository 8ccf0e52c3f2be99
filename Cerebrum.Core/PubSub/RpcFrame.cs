using System.Buffers;
using Cerebrum.Core.Multiformats;
using Cerebrum.Core.Network.Resources;
using Cerebrum.Core.PubSub.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.PubSub;

/// <summary>
/// One serialised RPC, uvarint length prefix included, in a buffer rented from <see cref="ArrayPool{T}.Shared"/>:
/// the RPC is serialised once, straight into the buffer that is written to the stream, and the buffer is reused
/// afterwards (<see cref="Return"/>), so large messages do not allocate fresh arrays on every send.
/// </summary>
internal readonly struct RpcFrame
{
    private RpcFrame(byte[] buffer, int length, IResourceScope? reservedIn = null)
    {
        Buffer = buffer;
        Length = length;
        ReservedIn = reservedIn;
    }

    public byte[] Buffer { get; }

    public int Length { get; }

    /// <summary>The resource scope <see cref="Length"/> bytes are reserved in while the frame waits to be sent, if any.</summary>
    public IResourceScope? ReservedIn { get; }

    public ReadOnlyMemory<byte> Memory => Buffer.AsMemory(0, Length);

    /// <summary>
    /// This frame with its bytes reserved in <paramref name="scope"/> (at the priority of a handler's message buffers);
    /// false when the scope is out of memory. <see cref="Return"/> releases them.
    /// </summary>
    public bool TryReserve(IResourceScope scope, out RpcFrame reserved)
    {
        reserved = scope.ReserveMemory(Length, ReservationPriority.High) ? new RpcFrame(Buffer, Length, scope) : this;
        return reserved.ReservedIn is not null;
    }

    public static RpcFrame Serialize(RPC rpc)
    {
        var size = rpc.CalculateSize();
        var prefix = Varint.GetLength((ulong)size);
        var buffer = ArrayPool<byte>.Shared.Rent(prefix + size);
        Varint.Write((ulong)size, buffer);
        rpc.WriteTo(buffer.AsSpan(prefix, size));
        return new RpcFrame(buffer, prefix + size);
    }

    /// <summary>Gives the buffer back to the pool and the reservation back to its scope (a no-op once the scope is disposed).</summary>
    public void Return()
    {
        ReservedIn?.ReleaseMemory(Length);
        ArrayPool<byte>.Shared.Return(Buffer);
    }

    /// <summary>
    /// Reads and decodes one length-prefixed RPC through a pooled buffer; null at a clean end of stream before any byte.
    /// </summary>
    /// <param name="header">A one-byte scratch buffer, reused across calls by the reader.</param>
    /// <exception cref="InvalidDataException">Declared length above <paramref name="maxLength"/>, a bad varint, or a truncated frame.</exception>
    /// <exception cref="InvalidProtocolBufferException">The frame is not a valid RPC.</exception>
    public static async ValueTask<RPC?> ReadAsync(Stream stream, int maxLength, byte[] header, CancellationToken ct)
    {
        ulong length = 0;
        var shift = 0;
        for (var i = 0; ; i++)
        {
            var n = await stream.ReadAsync(header.AsMemory(0, 1), ct).ConfigureAwait(false);
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
        var size = (int)length;
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            try
            {
                await stream.ReadExactlyAsync(buffer.AsMemory(0, size), ct).ConfigureAwait(false);
            }
            catch (EndOfStreamException)
            {
                throw new InvalidDataException($"stream ended inside a {length}-byte message");
            }
            // Parsing copies every bytes field out of the buffer, so it can go back to the pool right after.
            return RPC.Parser.ParseFrom(buffer.AsSpan(0, size));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
