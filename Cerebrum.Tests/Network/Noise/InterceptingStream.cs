namespace Cerebrum.Tests.Network.Noise;

/// <summary>Wraps a connection end to record what is written to the wire and to flip a bit in a chosen future write.</summary>
internal sealed class InterceptingStream(Stream inner) : Stream
{
    private readonly MemoryStream _written = new();
    private int _corruptOffset = -1;

    public bool IsDisposed { get; private set; }

    public byte[] Written
    {
        get
        {
            lock (_written) return _written.ToArray();
        }
    }

    /// <summary>The next write reaches the wire with the byte at <paramref name="offset"/> (within that write) flipped.</summary>
    public void CorruptNextWrite(int offset) => _corruptOffset = offset;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(Intercept(buffer));

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(Intercept(buffer.Span), cancellationToken);

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private byte[] Intercept(ReadOnlySpan<byte> data)
    {
        var copy = data.ToArray();
        var corrupt = Interlocked.Exchange(ref _corruptOffset, -1);
        if (corrupt >= 0) copy[corrupt] ^= 0x01;
        lock (_written) _written.Write(copy);
        return copy;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            IsDisposed = true;
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
