using System.Buffers;

namespace Cerebrum.Core.Network.Yamux;

/// <summary>
/// Array pool for frame payloads in both directions. A dedicated pool rather than <see cref="ArrayPool{T}.Shared"/>:
/// an outgoing 64 KiB frame plus its header lands in the 128 KiB bucket (large-object heap), and the shared pool keeps
/// only a handful of those per core, so at full speed it would allocate a fresh LOH array per frame.
/// Retention is bounded: arrays above 256 KiB (only with a non-default MaxFrameSize) are not pooled, and each size
/// keeps at most 128 arrays, so the pool itself holds roughly 24 MiB at most in practice (64 KiB and 128 KiB buckets).
/// </summary>
internal static class YamuxBufferPool
{
    public static ArrayPool<byte> Shared { get; } = ArrayPool<byte>.Create(maxArrayLength: 256 * 1024, maxArraysPerBucket: 128);
}
