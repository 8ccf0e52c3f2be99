using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Resources;
using Cerebrum.Core.Network.Yamux;

namespace Cerebrum.Core.Network.Streams;

/// <summary>A muxed stream on which a protocol has been negotiated (or, when opened lazily, proposed).</summary>
public sealed class ProtocolStream : IAsyncDisposable
{
    private readonly YamuxStream _muxed;
    private readonly LazySelectStream? _lazy;
    private IStreamScope? _scope;

    internal ProtocolStream(YamuxStream stream, string protocol, Connection connection, IStreamScope scope)
    {
        _muxed = stream;
        _scope = scope;
        Resources = scope;
        stream.BufferScope = scope;
        Stream = stream;
        Protocol = protocol;
        Connection = connection;
    }

    internal ProtocolStream(YamuxStream muxed, LazySelectStream lazy, string protocol, Connection connection, IStreamScope scope)
    {
        _muxed = muxed;
        _scope = scope;
        Resources = scope;
        _lazy = lazy;
        muxed.BufferScope = scope;
        lazy.BufferScope = scope;
        Stream = lazy;
        Protocol = protocol;
        Connection = connection;
    }

    /// <summary>
    /// The byte stream (reads return 0 at the remote's half-close; writes wait for flow-control credit). For a stream
    /// opened with <see cref="Connection.OpenStreamLazyAsync"/>, the first write carries the protocol proposal and the
    /// first read checks the answer.
    /// </summary>
    public Stream Stream { get; }

    /// <summary>The protocol agreed on; for a lazily opened stream, the one proposed, confirmed by the first read.</summary>
    public string Protocol { get; }

    public Connection Connection { get; }

    /// <summary>
    /// The stream's resource scope: a handler reserves its buffers here before allocating them (they count against the
    /// stream's protocol, its peer and the system, and are released when the stream is disposed at the latest), and a
    /// service names itself with <see cref="IStreamScope.SetService"/>. A refusal means: answer with an error or reset.
    /// </summary>
    public IStreamScope Resources { get; }

    /// <summary>Half-closes: the remote reads end-of-stream, and this side can still read.</summary>
    public async ValueTask CompleteWritesAsync(CancellationToken ct = default)
    {
        // A lazily opened stream that never wrote must still tell the listener which protocol it is.
        if (_lazy is not null)
            await _lazy.SendProposalAsync(ct).ConfigureAwait(false);
        await _muxed.CompleteWritesAsync(ct).ConfigureAwait(false);
    }

    public void Reset() => _muxed.Reset();

    public ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _scope, null)?.Dispose();
        return _muxed.DisposeAsync();
    }
}
