using Cerebrum.Core.Network.Yamux;

namespace Cerebrum.Core.Network;

/// <summary>A muxed stream on which a protocol has been negotiated.</summary>
public sealed class ProtocolStream : IAsyncDisposable
{
    internal ProtocolStream(YamuxStream stream, string protocol, Connection connection)
    {
        Stream = stream;
        Protocol = protocol;
        Connection = connection;
    }

    /// <summary>The byte stream (reads return 0 at the remote's half-close; writes wait for flow-control credit).</summary>
    public YamuxStream Stream { get; }

    public string Protocol { get; }

    public Connection Connection { get; }

    /// <summary>Half-closes: the remote reads end-of-stream, and this side can still read.</summary>
    public ValueTask CompleteWritesAsync(CancellationToken ct = default) => Stream.CompleteWritesAsync(ct);

    public void Reset() => Stream.Reset();

    public ValueTask DisposeAsync() => Stream.DisposeAsync();
}

/// <summary>Serves one inbound stream of a registered protocol; the host disposes the stream afterwards.</summary>
public delegate Task ProtocolHandler(ProtocolStream stream, CancellationToken ct);
