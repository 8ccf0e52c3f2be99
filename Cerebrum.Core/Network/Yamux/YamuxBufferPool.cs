using System.Buffers;

namespace Cerebrum.Core.Network.Yamux;

/// <summary>
/// Array pool for frame payloads in both directions. A dedicated pool rather than <see cref="ArrayPool{T}.Shared"/>:
/// an outgoing 64 KiB frame plus its header lands in the 128 KiB bucket (large-object heap), and the shared pool keeps
/// only a handful of those per core, so at full speed it would allocate a fresh LOH array per frame.
/// </summary>
internal static class YamuxBufferPool
{
    public static ArrayPool<byte> Shared { get; } = ArrayPool<byte>.Create(maxArrayLength: 32 * 1024 * 1024, maxArraysPerBucket: 256);
}
