using System.IO.Pipelines;

namespace Cerebrum.Tests.Network.Multistream;

/// <summary>An in-memory bidirectional byte stream: two <see cref="Pipe"/>s crossed over, one <see cref="Stream"/> per end.</summary>
internal sealed class DuplexPipe : IAsyncDisposable
{
    private readonly Pipe _aToB = new();
    private readonly Pipe _bToA = new();

    public DuplexPipe()
    {
        A = new PipeEndStream(_bToA.Reader.AsStream(), _aToB.Writer.AsStream());
        B = new PipeEndStream(_aToB.Reader.AsStream(), _bToA.Writer.AsStream());
    }

    /// <summary>Conventionally the dialer's end.</summary>
    public Stream A { get; }

    /// <summary>Conventionally the listener's end.</summary>
    public Stream B { get; }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }

    private sealed class PipeEndStream(Stream input, Stream output) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => input.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => input.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => input.ReadAsync(buffer, offset, count, cancellationToken);
        public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer, offset, count);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => output.WriteAsync(buffer, cancellationToken);
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => output.WriteAsync(buffer, offset, count, cancellationToken);
        public override void Flush() => output.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => output.FlushAsync(cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                input.Dispose();
                output.Dispose();
            }
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await input.DisposeAsync();
            await output.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
