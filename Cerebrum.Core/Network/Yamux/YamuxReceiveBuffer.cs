namespace Cerebrum.Core.Network.Yamux;

/// <summary>
/// Received-but-unread data of one stream: a FIFO of pooled arrays filled by the read loop, handed back to
/// <see cref="YamuxBufferPool.Shared"/> as soon as the application has copied them out. Its size is bounded by the
/// stream's receive window, which the caller enforces before enqueueing. Not thread-safe.
/// </summary>
internal sealed class YamuxReceiveBuffer
{
    private readonly Queue<Segment> _segments = new();
    private int _headOffset;

    public long Length { get; private set; }

    /// <summary>Takes ownership of <paramref name="pooledArray"/>; its first <paramref name="count"/> bytes are data.</summary>
    public void Enqueue(byte[] pooledArray, int count)
    {
        if (count <= 0)
        {
            YamuxBufferPool.Shared.Return(pooledArray);
            return;
        }
        _segments.Enqueue(new Segment(pooledArray, count));
        Length += count;
    }

    /// <summary>Copies up to <paramref name="destination"/>.Length bytes out; returns the number copied.</summary>
    public int Read(Span<byte> destination)
    {
        var copied = 0;
        while (copied < destination.Length && _segments.TryPeek(out var head))
        {
            var available = head.Count - _headOffset;
            var take = Math.Min(available, destination.Length - copied);
            head.Array.AsSpan(_headOffset, take).CopyTo(destination[copied..]);
            copied += take;
            if (take == available)
            {
                _segments.Dequeue();
                _headOffset = 0;
                YamuxBufferPool.Shared.Return(head.Array);
            }
            else
            {
                _headOffset += take;
            }
        }
        Length -= copied;
        return copied;
    }

    /// <summary>Drops everything buffered (reset, dispose); returns how many bytes were dropped.</summary>
    public long Clear()
    {
        var dropped = Length;
        while (_segments.TryDequeue(out var segment))
            YamuxBufferPool.Shared.Return(segment.Array);
        _headOffset = 0;
        Length = 0;
        return dropped;
    }

    private readonly record struct Segment(byte[] Array, int Count);
}
