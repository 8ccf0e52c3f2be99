using System.IO.Pipelines;

namespace Cerebrum.Tests.TestSupport;

/// <summary>One end of an in-memory connection. Disposing completes the outgoing pipe, which the peer reads as EOF.</summary>
internal sealed class DuplexPipeStream : Stream
{
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;
    private readonly Stream _readStream;
    private readonly Stream _writeStream;
    private int _disposed;

    public DuplexPipeStream(PipeReader reader, PipeWriter writer)
    {
        _reader = reader;
        _writer = writer;
        _readStream = reader.AsStream(leaveOpen: true);
        _writeStream = writer.AsStream(leaveOpen: true);
    }

    public bool IsDisposed => _disposed != 0;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => _readStream.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => _readStream.Read(buffer);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _readStream.ReadAsync(buffer, offset, count, cancellationToken);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _readStream.ReadAsync(buffer, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => _writeStream.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => _writeStream.Write(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _writeStream.WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _writeStream.WriteAsync(buffer, cancellationToken);

    public override void Flush() => _writeStream.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _writeStream.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _writer.Complete();
            _reader.CancelPendingRead();
            try
            {
                _reader.Complete();
            }
            catch (InvalidOperationException)
            {
                // A read is still in flight on another thread; the cancelled read ends it.
            }
        }
        base.Dispose(disposing);
    }
}
