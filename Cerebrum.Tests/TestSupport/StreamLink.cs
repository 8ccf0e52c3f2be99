using System.IO.Pipelines;
using Cerebrum.Core.Network.Protocols.Relay;

namespace Cerebrum.Tests.TestSupport;

/// <summary>
/// Two in-memory stream ends joined like a muxed stream: each end can half-close its writing side (the other reads
/// end-of-stream) or reset (the other end's reads fail with an <see cref="IOException"/>, its writes are dropped), as <see cref="RelayBridgeEnd"/> expects.
/// </summary>
internal sealed class StreamLink
{
    private readonly Pipe _aToB = new(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19, useSynchronizationContext: false));
    private readonly Pipe _bToA = new(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19, useSynchronizationContext: false));

    public StreamLink()
    {
        A = new RelayBridgeEnd(new DuplexPipeStream(_bToA.Reader, _aToB.Writer), _ => _aToB.Writer.CompleteAsync(), () => Reset(_aToB, _bToA));
        B = new RelayBridgeEnd(new DuplexPipeStream(_aToB.Reader, _bToA.Writer), _ => _bToA.Writer.CompleteAsync(), () => Reset(_bToA, _aToB));
    }

    public RelayBridgeEnd A { get; }
    public RelayBridgeEnd B { get; }

    /// <summary>True once either end reset the link.</summary>
    public bool WasReset { get; private set; }

    private void Reset(Pipe outgoing, Pipe incoming)
    {
        WasReset = true;
        // The remote's reads fail with the reset; what it still writes goes nowhere.
        var reset = new IOException("stream reset");
        outgoing.Writer.Complete(reset);
        incoming.Reader.Complete(reset);
    }
}
