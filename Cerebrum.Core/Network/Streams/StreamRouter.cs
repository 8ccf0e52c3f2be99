using System.Buffers;
using System.Collections.Concurrent;
using Cerebrum.Core.Common;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Resources;
using Cerebrum.Core.Network.Yamux;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Network.Streams;

/// <summary>
/// Inbound streams to protocol handlers (go-libp2p's protocol switch): accepts each connection's streams, caps the
/// ones being handled per connection, negotiates the protocol with multistream-select among the registered ones, and
/// runs the handler, disposing the stream after it.
/// </summary>
internal sealed class StreamRouter
{
    private readonly ConcurrentDictionary<string, ProtocolHandler> _handlers = new(StringComparer.Ordinal);
    private readonly PeerHostOptions _options;
    private readonly BackgroundTasks _tasks;
    private readonly ILogger _logger;

    public StreamRouter(PeerHostOptions options, BackgroundTasks tasks, ILogger logger)
    {
        _options = options;
        _tasks = tasks;
        _logger = logger;
    }

    /// <summary>Raised when a protocol was added or removed (not when a handler was replaced).</summary>
    public event Action? ProtocolsChanged;

    /// <summary>The registered protocols, in ordinal order.</summary>
    public IReadOnlyCollection<string> Protocols => [.. _handlers.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Registers (or replaces) the handler of inbound streams negotiating <paramref name="protocol"/>.</summary>
    public void SetHandler(string protocol, ProtocolHandler handler)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(protocol);
        ArgumentNullException.ThrowIfNull(handler);
        var added = _handlers.TryAdd(protocol, handler);
        if (!added) _handlers[protocol] = handler;
        else ProtocolsChanged?.Invoke();
    }

    public bool RemoveHandler(string protocol)
    {
        var removed = _handlers.TryRemove(protocol, out _);
        if (removed) ProtocolsChanged?.Invoke();
        return removed;
    }

    /// <summary>Serves <paramref name="connection"/>'s inbound streams until it ends.</summary>
    public void Serve(Connection connection) =>
        _tasks.Run($"streams of {connection}", ct => AcceptStreamsAsync(connection, ct));

    private async Task AcceptStreamsAsync(Connection connection, CancellationToken ct)
    {
        var active = 0;
        while (!ct.IsCancellationRequested)
        {
            YamuxStream stream;
            try
            {
                stream = await connection.Session.AcceptStreamAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            if (Interlocked.Increment(ref active) > _options.MaxInboundStreamsPerConnection)
            {
                Interlocked.Decrement(ref active);
                _logger.LogDebug("Resetting inbound stream from {Peer}: too many concurrent streams", connection.RemotePeer);
                await RefuseAsync(stream).ConfigureAwait(false);
                continue;
            }
            if (connection.Scope.OpenStream(ConnectionDirection.Inbound) is not { } scope)
            {
                Interlocked.Decrement(ref active);
                _logger.LogDebug("Resetting inbound stream from {Peer}: refused by the resource manager", connection.RemotePeer);
                await RefuseAsync(stream).ConfigureAwait(false);
                continue;
            }
            _tasks.Run("inbound stream", async token =>
            {
                try
                {
                    await HandleStreamAsync(connection, stream, scope, token).ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Decrement(ref active);
                }
            });
        }
    }

    private async Task HandleStreamAsync(Connection connection, YamuxStream stream, IStreamScope scope, CancellationToken ct)
    {
        string protocol;
        var refused = false;
        bool IsSupported(string proposal)
        {
            if (_handlers.ContainsKey(proposal)) return true;
            refused = true;
            return false;
        }
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            timeout.CancelAfter(_options.StreamNegotiationTimeout);
            try
            {
                protocol = await MultistreamSelect.HandleAsync(stream, IsSupported, Protocols, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _logger.LogDebug("Stream negotiation with {Peer} failed: {Reason}", connection.RemotePeer, e.Message);
                if (refused && !timeout.IsCancellationRequested)
                    await LetTheRefusalArriveAsync(stream, timeout.Token).ConfigureAwait(false);
                scope.Dispose();
                await RefuseAsync(stream).ConfigureAwait(false);
                return;
            }
        }

        if (!_handlers.TryGetValue(protocol, out var handler) || !scope.SetProtocol(protocol))
        {
            if (handler is not null)
                _logger.LogDebug("Resetting a {Protocol} stream from {Peer}: refused by the resource manager", protocol, connection.RemotePeer);
            scope.Dispose();
            await RefuseAsync(stream).ConfigureAwait(false);
            return;
        }
        var protocolStream = new ProtocolStream(stream, protocol, connection, scope);
        try
        {
            await handler(protocolStream, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _logger.LogDebug("{Protocol} handler for {Peer} failed: {Reason}", protocol, connection.RemotePeer, e.Message);
            stream.Reset();
        }
        finally
        {
            await protocolStream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static ValueTask RefuseAsync(YamuxStream stream)
    {
        stream.Reset();
        return stream.DisposeAsync();
    }

    /// <summary>
    /// After a refusal, a lazy dialer's application bytes follow its proposal, and we fail to read them as the next one.
    /// A reset now would race our "na" to the dialer, and a yamux reset discards data the reader has not consumed yet,
    /// so the dialer could see a bare reset instead of "protocol not supported". Instead: half-close, and discard what
    /// the dialer sends until it closes or resets (it does on reading the "na"), within the negotiation timeout.
    /// </summary>
    private static async Task LetTheRefusalArriveAsync(YamuxStream stream, CancellationToken timeout)
    {
        var discard = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            await stream.CompleteWritesAsync(timeout).ConfigureAwait(false);
            while (await stream.ReadAsync(discard, timeout).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The dialer reset, the session ended, or the negotiation time ran out: the caller resets either way.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(discard);
        }
    }
}
