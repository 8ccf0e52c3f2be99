using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Network.Yamux;

// Outbound side: one write loop is the transport's only writer. Two queues feed it:
//  - the ordered queue carries everything whose order within a stream matters (SYN, data, FIN, RST);
//  - the priority queue carries frames that may overtake queued data (window updates, ACKs, pings, pongs, GoAway),
//    so a peer waiting for window is not stuck behind megabytes of our own data. Each priority frame also posts a
//    Wake item to the ordered queue, so the loop only ever waits on one channel.
// Small frames are coalesced into one transport write; large Data frames are written straight from their pooled buffer.
public sealed partial class YamuxSession
{
    private const int BatchSize = 128 * 1024;
    // Data frames up to this size are copied into the batch; larger ones are written directly.
    private const int CoalesceLimit = 32 * 1024;

    private readonly Channel<YamuxOutboundFrame> _outboundFrames =
        Channel.CreateUnbounded<YamuxOutboundFrame>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentQueue<YamuxOutboundFrame> _priorityFrames = new();
    // Bounds queued Data frames (and so queued payload memory) across all streams.
    private readonly SemaphoreSlim _dataSlots;
    private readonly CancellationTokenSource _writeAbort = new();

    internal bool EnqueueOrdered(YamuxOutboundFrame frame) => _outboundFrames.Writer.TryWrite(frame);

    internal void EnqueuePriority(YamuxFrameHeader header) => EnqueuePriority(YamuxOutboundFrame.ForHeader(header));

    private void EnqueuePriority(YamuxOutboundFrame frame)
    {
        _priorityFrames.Enqueue(frame);
        _outboundFrames.Writer.TryWrite(YamuxOutboundFrame.Wake);
    }

    // Replies the peer provokes are capped so a peer that floods pings or SYNs without reading cannot grow our queue.
    private void EnqueueReply(YamuxFrameHeader header)
    {
        if (Interlocked.Increment(ref _queuedReplies) > MaxQueuedReplies)
        {
            Interlocked.Decrement(ref _queuedReplies);
            Logger.LogDebug("yamux {Role}: reply backlog full, dropping {Frame}", Role, header);
            return;
        }
        EnqueuePriority(YamuxOutboundFrame.ForReply(header));
    }

    /// <summary>Copies <paramref name="payload"/> into a pooled Data frame and queues it; waits while the data queue is full.</summary>
    internal ValueTask SendDataAsync(YamuxStream stream, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (_dataSlots.Wait(0, CancellationToken.None))
        {
            QueueData(stream, payload.Span);
            return ValueTask.CompletedTask;
        }
        return SendDataSlowAsync(stream, payload, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendDataSlowAsync(YamuxStream stream, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await WaitForSlotAsync(_dataSlots, cancellationToken);
        QueueData(stream, payload.Span);
    }

    // Caller holds a data slot; it is released by the write loop, or here if the frame cannot be queued.
    private void QueueData(YamuxStream stream, ReadOnlySpan<byte> payload)
    {
        var frameLength = YamuxFrameHeader.Size + payload.Length;
        var buffer = YamuxBufferPool.Shared.Rent(frameLength);
        try
        {
            new YamuxFrameHeader(YamuxFrameType.Data, YamuxFrameFlags.None, stream.Id, (uint)payload.Length).WriteTo(buffer);
            payload.CopyTo(buffer.AsSpan(YamuxFrameHeader.Size));
            stream.EnqueueData(buffer, frameLength);
        }
        catch
        {
            YamuxBufferPool.Shared.Return(buffer);
            _dataSlots.Release();
            throw;
        }
    }

    private bool TryDequeueFrame(out YamuxOutboundFrame frame) =>
        _priorityFrames.TryDequeue(out frame) || _outboundFrames.Reader.TryRead(out frame);

    private async Task WriteLoopAsync()
    {
        var token = _writeAbort.Token;
        var batch = YamuxBufferPool.Shared.Rent(BatchSize);
        var used = 0;
        try
        {
            while (true)
            {
                while (TryDequeueFrame(out var frame))
                {
                    switch (frame.Kind)
                    {
                        case YamuxOutboundFrameKind.Wake:
                            break;
                        case YamuxOutboundFrameKind.Header or YamuxOutboundFrameKind.Reply:
                            if (used + YamuxFrameHeader.Size > batch.Length)
                            {
                                await _transport.WriteAsync(batch.AsMemory(0, used), token);
                                used = 0;
                            }
                            frame.Header.WriteTo(batch.AsSpan(used));
                            used += YamuxFrameHeader.Size;
                            if (frame.Kind == YamuxOutboundFrameKind.Reply)
                                Interlocked.Decrement(ref _queuedReplies);
                            break;
                        case YamuxOutboundFrameKind.Data:
                            try
                            {
                                if (frame.Length <= CoalesceLimit)
                                {
                                    if (used + frame.Length > batch.Length)
                                    {
                                        await _transport.WriteAsync(batch.AsMemory(0, used), token);
                                        used = 0;
                                    }
                                    frame.Buffer.AsSpan(0, frame.Length).CopyTo(batch.AsSpan(used));
                                    used += frame.Length;
                                }
                                else
                                {
                                    if (used > 0)
                                    {
                                        await _transport.WriteAsync(batch.AsMemory(0, used), token);
                                        used = 0;
                                    }
                                    await _transport.WriteAsync(frame.Buffer.AsMemory(0, frame.Length), token);
                                }
                            }
                            finally
                            {
                                ReleaseDataFrame(frame);
                            }
                            break;
                        case YamuxOutboundFrameKind.Barrier:
                            if (used > 0)
                            {
                                await _transport.WriteAsync(batch.AsMemory(0, used), token);
                                used = 0;
                            }
                            await _transport.FlushAsync(token);
                            frame.Flushed!.TrySetResult();
                            break;
                    }
                }
                if (used > 0)
                {
                    await _transport.WriteAsync(batch.AsMemory(0, used), token);
                    used = 0;
                }
                await _transport.FlushAsync(token);
                if (!await _outboundFrames.Reader.WaitToReadAsync(token) && _priorityFrames.IsEmpty)
                    return;
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (IsClosed)
        {
            Logger.LogDebug(ex, "yamux {Role}: transport write failed while closing", Role);
        }
        catch (Exception ex)
        {
            RequestClose(YamuxSessionTermination.TransportLost(new YamuxException($"transport write failed: {ex.Message}", ex)));
        }
        finally
        {
            YamuxBufferPool.Shared.Return(batch);
        }
    }

    private void ReleaseDataFrame(YamuxOutboundFrame frame)
    {
        YamuxBufferPool.Shared.Return(frame.Buffer!);
        _dataSlots.Release();
    }

    // After the write loop stopped: give pooled buffers back and fail flush waiters.
    private void DrainUnsentFrames(Exception reason)
    {
        while (TryDequeueFrame(out var frame))
        {
            if (frame.Kind == YamuxOutboundFrameKind.Data)
                ReleaseDataFrame(frame);
            else if (frame.Kind == YamuxOutboundFrameKind.Barrier)
            {
                frame.Flushed!.TrySetException(new YamuxException(reason.Message, reason));
                _ = frame.Flushed.Task.Exception; // GoAwayAsync reports the closed session itself
            }
        }
    }
}
