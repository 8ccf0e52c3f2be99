using System.IO.Pipelines;

namespace Cerebrum.Tests.TestSupport;

/// <summary>
/// A socket stand-in for transport tests: two in-memory pipes cross-connected into a pair of duplex streams.
/// Disposing one end completes its outgoing pipe, so the other end reads end-of-stream, like a closed connection.
/// </summary>
internal sealed class DuplexPipe : IAsyncDisposable
{
    public DuplexPipe(PipeOptions? options = null) => (A, B) = Create(options);

    /// <summary>Conventionally the dialer's end.</summary>
    public DuplexPipeStream A { get; }

    /// <summary>Conventionally the listener's end.</summary>
    public DuplexPipeStream B { get; }

    /// <summary>A 1 MiB pipe keeps backpressure real without making every large write ping-pong between threads.</summary>
    public static (DuplexPipeStream First, DuplexPipeStream Second) Create(PipeOptions? options = null)
    {
        options ??= new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19, useSynchronizationContext: false);
        var firstToSecond = new Pipe(options);
        var secondToFirst = new Pipe(options);
        return (new DuplexPipeStream(secondToFirst.Reader, firstToSecond.Writer),
                new DuplexPipeStream(firstToSecond.Reader, secondToFirst.Writer));
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}
