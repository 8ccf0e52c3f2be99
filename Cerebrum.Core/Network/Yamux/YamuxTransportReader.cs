using System.Buffers;
using System.Runtime.CompilerServices;

namespace Cerebrum.Core.Network.Yamux;

/// <summary>
/// Buffered reader of frames from the transport, used only by the session's read loop. Headers (and small payloads)
/// come out of one pooled buffer so a transport read typically yields many frames; the tail of a large payload that is
/// not buffered yet is read straight into its destination to avoid a second copy.
/// </summary>
internal sealed class YamuxTransportReader : IDisposable
{
    private const int BufferSize = 64 * 1024;
    // Payload remainders below this are pulled through the buffer, which likely also brings in the next headers.
    private const int DirectReadThreshold = 16 * 1024;

    private readonly Stream _transport;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private int _start;
    private int _end;

    public YamuxTransportReader(Stream transport) => _transport = transport;

    private int Buffered => _end - _start;

    /// <summary>Reads the next header; null at a clean end of stream between frames.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<YamuxFrameHeader?> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        while (Buffered < YamuxFrameHeader.Size)
        {
            if (!await FillAsync(cancellationToken))
            {
                if (Buffered == 0)
                    return null;
                throw new EndOfStreamException($"transport ended inside a frame header ({Buffered} of {YamuxFrameHeader.Size} bytes)");
            }
        }
        YamuxFrameHeader.TryRead(_buffer.AsSpan(_start, YamuxFrameHeader.Size), out var header);
        _start += YamuxFrameHeader.Size;
        return header;
    }

    /// <summary>Fills <paramref name="destination"/> completely with payload bytes.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask ReadPayloadAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        while (destination.Length > 0)
        {
            if (Buffered > 0)
            {
                var take = Math.Min(Buffered, destination.Length);
                _buffer.AsSpan(_start, take).CopyTo(destination.Span);
                _start += take;
                destination = destination[take..];
            }
            else if (destination.Length >= DirectReadThreshold)
            {
                var read = await _transport.ReadAsync(destination, cancellationToken);
                if (read == 0)
                    throw new EndOfStreamException("transport ended inside a frame payload");
                destination = destination[read..];
            }
            else if (!await FillAsync(cancellationToken))
            {
                throw new EndOfStreamException("transport ended inside a frame payload");
            }
        }
    }

    /// <summary>Reads and drops <paramref name="count"/> payload bytes (data for a stream that no longer exists).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SkipAsync(long count, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            if (Buffered == 0 && !await FillAsync(cancellationToken))
                throw new EndOfStreamException("transport ended inside a frame payload");
            var take = (int)Math.Min(Buffered, count);
            _start += take;
            count -= take;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            // Compact so the free space is contiguous at the end.
            _buffer.AsSpan(_start, Buffered).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        var read = await _transport.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        _end += read;
        return read > 0;
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(buffer);
    }
}
