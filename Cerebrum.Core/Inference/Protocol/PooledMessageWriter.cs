using System.Buffers;
using Cerebrum.Core.Multiformats;
using Google.Protobuf;

namespace Cerebrum.Core.Inference.Protocol;

/// <summary>
/// Writes a uvarint-length-prefixed protobuf message (the framing of <c>/cerebrum/infer/1.0.0</c>) serialized straight
/// into one pooled buffer: one write and one flush per message, no intermediate byte array.
/// </summary>
internal static class PooledMessageWriter
{
    public static async ValueTask WriteAsync(Stream stream, IMessage message, CancellationToken ct)
    {
        var size = message.CalculateSize();
        var total = Varint.GetLength((ulong)size) + size;
        var buffer = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            var prefix = Varint.Write((ulong)size, buffer);
            message.WriteTo(buffer.AsSpan(prefix, size));
            await stream.WriteAsync(buffer.AsMemory(0, total), ct).ConfigureAwait(false);
            await stream.FlushAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
