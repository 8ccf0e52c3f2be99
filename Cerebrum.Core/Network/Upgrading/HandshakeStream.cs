namespace Cerebrum.Core.Network.Upgrading;

/// <summary>
/// A raw connection's stream that, while the handshake runs, reports every byte the remote sends to the handshake's
/// <see cref="HandshakeDeadline"/> (which re-arms its step timer and tells the listener the handshake is alive). After
/// <see cref="EndHandshake"/> it only passes calls through: the secured and muxed connection keeps reading through it.
/// </summary>
internal sealed class HandshakeStream(Stream inner, HandshakeDeadline deadline) : Stream
{
    private HandshakeDeadline? _deadline = deadline;

    /// <summary>The handshake is over: stop reporting.</summary>
    public void EndHandshake() => Volatile.Write(ref _deadline, null);

    public override bool CanRead => inner.CanRead;

    public override bool CanWrite => inner.CanWrite;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Received(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Received(inner.Read(buffer));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Volatile.Read(ref _deadline) is null ? inner.ReadAsync(buffer, cancellationToken) : ReadReportingAsync(buffer, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async ValueTask<int> ReadReportingAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        Received(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    private int Received(int count)
    {
        if (count > 0)
            Volatile.Read(ref _deadline)?.OnReceived();
        return count;
    }
}
