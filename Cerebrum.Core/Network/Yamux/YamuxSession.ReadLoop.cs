using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Network.Yamux;

// Inbound side: the only reader of the transport. Never blocks on the write queue, so a peer that does not read our
// output cannot stall our reading of its frames (all replies it can provoke are bounded, see MaxQueuedReplies).
public sealed partial class YamuxSession
{
    private const int ReceiveSegmentSize = 64 * 1024;

    private async Task ReadLoopAsync()
    {
        var token = _shutdown.Token;
        using var reader = new YamuxTransportReader(_transport);
        try
        {
            while (true)
            {
                if (await reader.ReadHeaderAsync(token) is not { } header)
                {
                    RequestClose(Interlocked.Read(ref _remoteGoAwayCode) >= 0
                        ? CreateRemoteGoAwayTermination()
                        : YamuxSessionTermination.TransportLost(new YamuxException("transport closed by the peer (end of stream)")));
                    return;
                }
                Interlocked.Increment(ref _framesReceived);
                switch (header.Type)
                {
                    case YamuxFrameType.Data:
                        await HandleDataAsync(reader, header, token);
                        break;
                    case YamuxFrameType.WindowUpdate:
                        HandleWindowUpdate(header);
                        break;
                    case YamuxFrameType.Ping:
                        HandlePing(header);
                        break;
                    case YamuxFrameType.GoAway:
                        HandleGoAway(header);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception) when (IsClosed)
        {
            // The transport was torn down under us as part of closing.
        }
        catch (YamuxProtocolException ex)
        {
            Logger.LogWarning("yamux {Role}: protocol error from peer: {Reason}", Role, ex.Message);
            RequestClose(YamuxSessionTermination.ProtocolViolation(ex));
        }
        catch (EndOfStreamException ex)
        {
            RequestClose(YamuxSessionTermination.TransportLost(new YamuxException($"transport closed mid-frame: {ex.Message}", ex)));
        }
        catch (Exception ex)
        {
            RequestClose(YamuxSessionTermination.TransportLost(new YamuxException($"transport read failed: {ex.Message}", ex)));
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask HandleDataAsync(YamuxTransportReader reader, YamuxFrameHeader header, CancellationToken token)
    {
        var stream = ResolveStream(header);
        if (stream is null)
        {
            // Late data for a stream that is gone (reset, refused, closed) is allowed by the spec's races; drop it.
            // Nothing legitimate can exceed the largest window we ever grant, so anything bigger is garbage.
            if (header.Length > (uint)Options.MaxWindowSize)
                throw new YamuxProtocolException($"data frame of {header.Length} bytes for unknown stream {header.StreamId} exceeds any window this side grants");
            await reader.SkipAsync(header.Length, token);
            return;
        }
        if (header.Length > 0)
        {
            switch (stream.BeginReceive(header.Length, out var remaining))
            {
                case YamuxReceiveDisposition.Deliver:
                    // Peers may send frames as large as the whole window (go-yamux does); slicing them into pooled
                    // segments keeps every buffer small and reusable, and lets the reader start on the first slice.
                    for (var left = (int)header.Length; left > 0;)
                    {
                        var length = Math.Min(left, ReceiveSegmentSize);
                        var segment = YamuxBufferPool.Shared.Rent(length);
                        try
                        {
                            await reader.ReadPayloadAsync(segment.AsMemory(0, length), token);
                        }
                        catch
                        {
                            YamuxBufferPool.Shared.Return(segment);
                            throw;
                        }
                        stream.CompleteReceive(segment, length);
                        left -= length;
                    }
                    break;
                case YamuxReceiveDisposition.Discard:
                    await reader.SkipAsync(header.Length, token);
                    break;
                case YamuxReceiveDisposition.WindowExceeded:
                    throw new YamuxProtocolException($"stream {header.StreamId}: peer sent {header.Length} bytes but only {remaining} bytes of receive window were granted");
                case YamuxReceiveDisposition.DataAfterFin:
                    throw new YamuxProtocolException($"stream {header.StreamId}: peer sent data after its FIN");
            }
        }
        stream.OnRemoteFlags(header.Flags);
    }

    private void HandleWindowUpdate(YamuxFrameHeader header)
    {
        var stream = ResolveStream(header);
        if (stream is null)
            return;
        stream.OnWindowUpdate(header.Length);
        stream.OnRemoteFlags(header.Flags);
    }

    private void HandlePing(YamuxFrameHeader header)
    {
        if (header.StreamId != 0)
            throw new YamuxProtocolException($"ping on stream {header.StreamId}; pings belong to stream 0");
        if (header.HasFlag(YamuxFrameFlags.Syn))
        {
            EnqueueReply(new YamuxFrameHeader(YamuxFrameType.Ping, YamuxFrameFlags.Ack, 0, header.Length));
        }
        else if (header.HasFlag(YamuxFrameFlags.Ack) && _pendingPings.TryRemove(header.Length, out var pending))
        {
            var elapsed = Stopwatch.GetTimestamp() - pending.StartTimestamp;
            Volatile.Write(ref _roundTripTicks, Math.Max(1, elapsed));
            pending.TrySetResult(Stopwatch.GetElapsedTime(pending.StartTimestamp));
        }
    }

    private void HandleGoAway(YamuxFrameHeader header)
    {
        if (header.StreamId != 0)
            throw new YamuxProtocolException($"GoAway on stream {header.StreamId}; GoAway belongs to stream 0");
        if (Interlocked.CompareExchange(ref _remoteGoAwayCode, header.Length, -1) != -1)
            return;
        var code = (YamuxGoAwayCode)header.Length;
        Logger.LogDebug("yamux {Role}: peer sent GoAway {Code}", Role, code);
        // The peer opens nothing more; queued inbound streams can still be accepted.
        _inboundStreams.Writer.TryComplete();
        if (code != YamuxGoAwayCode.Normal || Volatile.Read(ref _openStreams) == 0)
            RequestClose(CreateRemoteGoAwayTermination());
    }

    // The stream a Data/WindowUpdate frame addresses; creates it for a SYN. Null when unknown or refused.
    private YamuxStream? ResolveStream(YamuxFrameHeader header)
    {
        var id = header.StreamId;
        if (id == 0)
            throw new YamuxProtocolException($"{header.Type} frame on stream 0, which is reserved for the session");
        if (header.HasFlag(YamuxFrameFlags.Syn))
            return OpenInboundStream(id);
        return _streams.TryGetValue(id, out var stream) ? stream : null;
    }

    private YamuxStream? OpenInboundStream(uint id)
    {
        if (IsLocalStreamId(id))
            throw new YamuxProtocolException($"peer opened stream {id}, an id of this side's parity");
        if (_streams.ContainsKey(id))
            throw new YamuxProtocolException($"peer sent SYN for stream {id}, which is already open");
        if (Volatile.Read(ref _localGoAwaySent) != 0 || Interlocked.Read(ref _remoteGoAwayCode) >= 0 || IsClosed)
            return RefuseInboundStream(id, "session is going away");
        if (Volatile.Read(ref _unacceptedInbound) >= Options.MaxUnacknowledgedInboundStreams)
            return RefuseInboundStream(id, $"{Options.MaxUnacknowledgedInboundStreams} inbound streams are waiting to be accepted");
        if (Interlocked.Increment(ref _openStreams) > Options.MaxStreams)
        {
            Interlocked.Decrement(ref _openStreams);
            return RefuseInboundStream(id, $"the session already has {Options.MaxStreams} streams");
        }
        if (!TryReserveStreamWindow(out var reserved))
        {
            Interlocked.Decrement(ref _openStreams);
            return RefuseInboundStream(id, "no memory left for its receive window");
        }
        var stream = new YamuxStream(this, id, isOutbound: false, reserved);
        _streams[id] = stream;
        Interlocked.Increment(ref _unacceptedInbound);
        if (!_inboundStreams.Writer.TryWrite(stream))
        {
            // GoAwayAsync completed the queue concurrently.
            Interlocked.Decrement(ref _unacceptedInbound);
            RemoveStream(stream);
            stream.Fail(new YamuxException("yamux session is going away"));
            return RefuseInboundStream(id, "session is going away");
        }
        return stream;
    }

    private YamuxStream? RefuseInboundStream(uint id, string reason)
    {
        Logger.LogDebug("yamux {Role}: refusing inbound stream {StreamId}: {Reason}", Role, id, reason);
        EnqueueReply(new YamuxFrameHeader(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Rst, id, 0));
        return null;
    }
}
