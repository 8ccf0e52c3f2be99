using System.IO.Pipelines;

namespace Cerebrum.Tests.Network.Noise;

/// <summary>An in-memory, socket-free full-duplex connection: two pipes, one per direction.</summary>
internal static class NoiseTestPipes
{
    public static (DuplexPipeStream A, DuplexPipeStream B) CreatePair()
    {
        // A 1 MiB window keeps backpressure real without making every large write ping-pong between threads.
        var options = new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19, useSynchronizationContext: false);
        var aToB = new Pipe(options);
        var bToA = new Pipe(options);
        return (new DuplexPipeStream(bToA.Reader, aToB.Writer), new DuplexPipeStream(aToB.Reader, bToA.Writer));
    }

    /// <summary>Upper bound for every wait in these tests, so a bug fails a test instead of hanging the run.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public static Task<T> Bounded<T>(this Task<T> task) => task.WaitAsync(Timeout);

    public static Task Bounded(this Task task) => task.WaitAsync(Timeout);

    public static Task<T> Bounded<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(Timeout);

    public static Task Bounded(this ValueTask task) => task.AsTask().WaitAsync(Timeout);
}

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
