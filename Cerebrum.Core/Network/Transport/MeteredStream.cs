using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Cerebrum.Core.Network.Transport;

/// <summary>
/// A transport connection's stream that adds the bytes it moves to the host's sent/received counters: one counter add per read or
/// write call (a syscall each anyway), no tags, and no allocation: the async overrides use pooled state machines,
/// since every socket read and write of a daemon passes through here.
/// </summary>
internal sealed class MeteredStream(Stream inner, Counter<long> sent, Counter<long> received) : PassThroughStream(inner)
{
    public override int Read(byte[] buffer, int offset, int count) => Received(Inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Received(Inner.Read(buffer));

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Received(await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    public override void Write(byte[] buffer, int offset, int count)
    {
        Inner.Write(buffer, offset, count);
        sent.Add(count);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Inner.Write(buffer);
        sent.Add(buffer.Length);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await Inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        sent.Add(buffer.Length);
    }

    private int Received(int count)
    {
        if (count > 0) received.Add(count);
        return count;
    }
}
