using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Cerebrum.Core.Network.Resources;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Network.Yamux;

/// <summary>
/// A yamux (<c>/yamux/1.0.0</c>) session over one secured, ordered transport stream. The constructor starts three owned
/// loops: a read loop (parses and dispatches frames), a single write loop (the only writer to the transport), and a
/// keep-alive loop (pings, RTT for window auto-tuning). A supervisor tears everything down when any of them, the
/// application or the peer ends the session, and reports the reason through <see cref="Completion"/>. Given a memory
/// scope (the connection's), it reserves each stream's 256 KiB receive window there before the stream exists (a stream
/// that does not fit is refused: an inbound SYN is answered with RST, an outbound open fails) and every byte of window
/// growth after, and releases them when the stream ends: what the peer can make this side buffer is what was reserved.
/// </summary>
public sealed partial class YamuxSession : IAsyncDisposable
{
    /// <summary>The SYN backlog the spec recommends for un-ACKed streams this side opened.</summary>
    private const int MaxUnacknowledgedOutboundStreams = 256;

    /// <summary>Replies the peer can make us queue (pongs, RSTs of refused streams) before further ones are dropped.</summary>
    private const int MaxQueuedReplies = 1024;

    private readonly Stream _transport;
    private readonly bool _isInitiator;
    private readonly ConcurrentDictionary<uint, YamuxStream> _streams = new();
    private readonly Channel<YamuxStream> _inboundStreams = Channel.CreateUnbounded<YamuxStream>(new UnboundedChannelOptions { SingleReader = false });
    private readonly SemaphoreSlim _synSlots = new(MaxUnacknowledgedOutboundStreams);
    private readonly ConcurrentDictionary<uint, PendingPing> _pendingPings = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly TaskCompletionSource _closeRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _minimumRoundTripTicks;
    private readonly Task _readLoop;
    private readonly Task _writeLoop;
    private readonly Task _keepAliveLoop;
    private readonly Task _supervisor;

    private YamuxSessionTermination? _termination;
    private long _nextStreamId;
    private int _openStreams;
    private int _unacceptedInbound;
    private int _queuedReplies;
    private int _nextPingId;
    private long _roundTripTicks;
    private int _localGoAwaySent;
    private long _remoteGoAwayCode = -1;
    private long _framesReceived;

    /// <param name="memory">Where stream windows are reserved; null reserves nothing (no limit but the options').</param>
    public YamuxSession(Stream transport, bool isInitiator, YamuxOptions options, ILogger logger, IResourceScope? memory = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _transport = transport;
        _isInitiator = isInitiator;
        Options = options;
        Logger = logger;
        Memory = memory;
        _nextStreamId = isInitiator ? 1 : 2;
        _minimumRoundTripTicks = (long)(options.MinimumAutoTuneRoundTrip.TotalSeconds * Stopwatch.Frequency);
        _dataSlots = new SemaphoreSlim(options.MaxQueuedDataFrames);

        _readLoop = Task.Run(ReadLoopAsync);
        _writeLoop = Task.Run(WriteLoopAsync);
        _keepAliveLoop = Task.Run(KeepAliveLoopAsync);
        _supervisor = SuperviseAsync();
    }

    /// <summary>Completes when the session has ended: successfully after a local close, faulted otherwise
    /// (<see cref="YamuxProtocolException"/>, <see cref="YamuxGoAwayException"/> for a remote GoAway, or
    /// <see cref="YamuxException"/> for transport end or failure).</summary>
    public Task Completion => _completion.Task;

    public bool IsClosed => Volatile.Read(ref _termination) is not null;

    /// <summary>Streams not yet fully closed (including inbound ones not accepted yet).</summary>
    public int StreamCount => Volatile.Read(ref _openStreams);

    internal YamuxOptions Options { get; }

    /// <summary>Where stream windows are reserved; null when nothing is.</summary>
    internal IResourceScope? Memory { get; }

    internal ILogger Logger { get; }

    private string Role => _isInitiator ? "dialer" : "listener";

    /// <summary>RTT used by receive-window auto-tuning, in <see cref="Stopwatch"/> ticks, floored by the options.</summary>
    internal long AutoTuneRoundTripTicks => Math.Max(Volatile.Read(ref _roundTripTicks), _minimumRoundTripTicks);

    /// <summary>Last measured ping RTT (zero before the first pong).</summary>
    internal TimeSpan MeasuredRoundTrip => Stopwatch.GetElapsedTime(0, Volatile.Read(ref _roundTripTicks));

    /// <summary>Opens an outbound stream. The SYN is queued immediately, so data can follow without waiting for the ACK;
    /// waits while this side already has 256 streams the peer has not acknowledged yet.</summary>
    public async ValueTask<YamuxStream> OpenStreamAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfCannotOpen();
        if (!_synSlots.Wait(0, CancellationToken.None))
            await WaitForSlotAsync(_synSlots, cancellationToken);
        YamuxStream? stream = null;
        try
        {
            ThrowIfCannotOpen();
            if (Interlocked.Increment(ref _openStreams) > Options.MaxStreams)
            {
                Interlocked.Decrement(ref _openStreams);
                throw new YamuxException($"yamux session already has the maximum of {Options.MaxStreams} streams open");
            }
            var id = Interlocked.Add(ref _nextStreamId, 2) - 2;
            if (id > uint.MaxValue)
            {
                Interlocked.Decrement(ref _openStreams);
                throw new YamuxException("yamux stream ids are exhausted for this session");
            }
            if (!TryReserveStreamWindow(out var reserved))
            {
                Interlocked.Decrement(ref _openStreams);
                throw new ResourceLimitExceededException($"no memory left for another stream's {YamuxReceiveWindow.SpecInitialWindow / 1024} KiB receive window");
            }
            stream = new YamuxStream(this, (uint)id, isOutbound: true, reserved);
            _streams[(uint)id] = stream;
            // The session may have ended between the checks above and registering; then nobody else will fail it.
            if (IsClosed)
            {
                var error = CreateClosedException();
                stream.Fail(error);
                RemoveStream(stream);
                throw error;
            }
            stream.SendSyn();
            return stream;
        }
        catch
        {
            if (stream is null)
                _synSlots.Release();
            throw;
        }
    }

    /// <summary>Returns the next inbound stream (and ACKs it); throws once the session or the peer stopped new streams.</summary>
    public async ValueTask<YamuxStream> AcceptStreamAsync(CancellationToken cancellationToken = default)
    {
        var reader = _inboundStreams.Reader;
        while (await reader.WaitToReadAsync(cancellationToken))
        {
            if (reader.TryRead(out var stream))
            {
                Interlocked.Decrement(ref _unacceptedInbound);
                stream.Acknowledge();
                return stream;
            }
        }
        throw CreateClosedException();
    }

    /// <summary>Sends a yamux Ping and returns the round-trip time.</summary>
    public async ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        if (IsClosed)
            throw CreateClosedException();
        var id = (uint)Interlocked.Increment(ref _nextPingId);
        var pending = new PendingPing(Stopwatch.GetTimestamp());
        _pendingPings[id] = pending;
        try
        {
            EnqueuePriority(new YamuxFrameHeader(YamuxFrameType.Ping, YamuxFrameFlags.Syn, 0, id));
            if (IsClosed)
                throw CreateClosedException();
            return await pending.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _pendingPings.TryRemove(id, out _);
        }
    }

    /// <summary>Sends GoAway (once per session) and waits until it reached the transport. Afterwards no stream can be
    /// opened and inbound SYNs are refused; existing streams continue.</summary>
    public async Task GoAwayAsync(YamuxGoAwayCode code = YamuxGoAwayCode.Normal, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _localGoAwaySent, 1) != 0)
            return;
        _inboundStreams.Writer.TryComplete();
        Logger.LogDebug("yamux {Role}: sending GoAway {Code}", Role, code);
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        EnqueuePriority(new YamuxFrameHeader(YamuxFrameType.GoAway, YamuxFrameFlags.None, 0, (uint)code));
        EnqueuePriority(YamuxOutboundFrame.ForBarrier(flushed));
        // If the session ends first the barrier may never run; Completion covers that.
        await Task.WhenAny(flushed.Task, _completion.Task).WaitAsync(cancellationToken);
        if (!flushed.Task.IsCompletedSuccessfully)
            throw CreateClosedException();
    }

    /// <summary>Graceful close: GoAway, flush queued frames (bounded), close the transport, fail remaining streams.</summary>
    public async ValueTask DisposeAsync()
    {
        RequestClose(YamuxSessionTermination.LocalClose);
        await _supervisor;
    }

    private void RequestClose(YamuxSessionTermination termination)
    {
        if (Interlocked.CompareExchange(ref _termination, termination, null) is not null)
            return;
        if (termination.Error is null)
            Logger.LogDebug("yamux {Role}: closing", Role);
        else
            Logger.LogInformation("yamux {Role}: session ending: {Reason}", Role, termination.Error.Message);
        _closeRequested.TrySetResult();
    }

    private async Task SuperviseAsync()
    {
        await _closeRequested.Task;
        var termination = Volatile.Read(ref _termination)!;
        try
        {
            if (termination.GoAwayToSend is { } code && Interlocked.Exchange(ref _localGoAwaySent, 1) == 0)
                EnqueuePriority(new YamuxFrameHeader(YamuxFrameType.GoAway, YamuxFrameFlags.None, 0, (uint)code));
            // From here on nothing new is queued; the write loop drains what is there and stops.
            _outboundFrames.Writer.TryComplete();
            if (!termination.FlushQueued)
                _writeAbort.Cancel();
            else
                await _writeLoop.WaitAsync(Options.CloseFlushTimeout);
        }
        catch (TimeoutException)
        {
            Logger.LogDebug("yamux {Role}: queued frames not flushed within {Timeout}, cutting the transport", Role, Options.CloseFlushTimeout);
            _writeAbort.Cancel();
        }
        catch (Exception ex)
        {
            Logger.LogDebug(ex, "yamux {Role}: error while flushing on close", Role);
            _writeAbort.Cancel();
        }
        _shutdown.Cancel();
        try
        {
            await _transport.DisposeAsync();
        }
        catch (Exception ex)
        {
            Logger.LogDebug(ex, "yamux {Role}: error disposing transport", Role);
        }
        // The loops never fault (they report through RequestClose), so awaiting them cannot throw.
        await Task.WhenAll(_readLoop, _writeLoop, _keepAliveLoop);
        FailEverything(termination);
        if (termination.Error is null)
        {
            _completion.TrySetResult();
        }
        else
        {
            _completion.TrySetException(termination.Error);
            // Reading Exception marks the fault observed: the reason is still there for whoever awaits Completion,
            // but an unobserved session failure does not surface as an UnobservedTaskException.
            _ = _completion.Task.Exception;
        }
    }

    private void FailEverything(YamuxSessionTermination termination)
    {
        var streamError = termination.Error is null
            ? new YamuxException("yamux session was closed")
            : new YamuxException($"yamux session ended: {termination.Error.Message}", termination.Error);
        _inboundStreams.Writer.TryComplete();
        while (_inboundStreams.Reader.TryRead(out var unaccepted))
            unaccepted.Fail(streamError);
        foreach (var stream in _streams.Values)
            stream.Fail(streamError);
        _streams.Clear();
        Volatile.Write(ref _openStreams, 0);
        foreach (var ping in _pendingPings.Values)
        {
            ping.TrySetException(new YamuxException(streamError.Message, streamError));
            _ = ping.Task.Exception; // its caller may have stopped waiting (timeout); never leave an unobserved fault
        }
        DrainUnsentFrames(streamError);
    }

    internal void OnStreamTerminated(YamuxStream stream)
    {
        if (!RemoveStream(stream))
            return;
        if (Interlocked.Read(ref _remoteGoAwayCode) >= 0 && Volatile.Read(ref _openStreams) == 0)
            RequestClose(CreateRemoteGoAwayTermination());
    }

    private bool RemoveStream(YamuxStream stream)
    {
        if (!_streams.TryRemove(new KeyValuePair<uint, YamuxStream>(stream.Id, stream)))
            return false;
        Interlocked.Decrement(ref _openStreams);
        return true;
    }

    internal void ReleaseSynSlot() => _synSlots.Release();

    /// <summary>Reserves a new stream's initial receive window (the spec's 256 KiB, which the peer may send at once).</summary>
    /// <param name="reserved">The bytes reserved, for the stream to release; 0 when no memory scope is set.</param>
    private bool TryReserveStreamWindow(out long reserved)
    {
        reserved = 0;
        if (Memory is null)
            return true;
        if (!Memory.ReserveMemory(YamuxReceiveWindow.SpecInitialWindow, ReservationPriority.Always))
            return false;
        reserved = YamuxReceiveWindow.SpecInitialWindow;
        return true;
    }

    // Waits for a slot, giving up when the caller cancels or the session shuts down (then as a closed-session error).
    private async Task WaitForSlotAsync(SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        try
        {
            if (!cancellationToken.CanBeCanceled)
            {
                await slots.WaitAsync(_shutdown.Token);
                return;
            }
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
            await slots.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw CreateClosedException();
        }
    }

    private void ThrowIfCannotOpen()
    {
        if (IsClosed)
            throw CreateClosedException();
        if (Volatile.Read(ref _localGoAwaySent) != 0)
            throw new YamuxGoAwayException("this side sent GoAway; no new streams can be opened", YamuxGoAwayCode.Normal, isRemote: false);
        var remote = Interlocked.Read(ref _remoteGoAwayCode);
        if (remote >= 0)
            throw new YamuxGoAwayException($"peer sent GoAway ({(YamuxGoAwayCode)remote}); no new streams can be opened", (YamuxGoAwayCode)remote, isRemote: true);
    }

    internal YamuxException CreateClosedException()
    {
        var termination = Volatile.Read(ref _termination);
        if (termination is not null)
        {
            return termination.Error is null
                ? new YamuxException("yamux session is closed")
                : new YamuxException($"yamux session ended: {termination.Error.Message}", termination.Error);
        }
        var remote = Interlocked.Read(ref _remoteGoAwayCode);
        if (remote >= 0)
            return new YamuxGoAwayException($"peer sent GoAway ({(YamuxGoAwayCode)remote})", (YamuxGoAwayCode)remote, isRemote: true);
        if (Volatile.Read(ref _localGoAwaySent) != 0)
            return new YamuxGoAwayException("this side sent GoAway", YamuxGoAwayCode.Normal, isRemote: false);
        return new YamuxException("yamux session is closed");
    }

    private YamuxSessionTermination CreateRemoteGoAwayTermination()
    {
        var code = (YamuxGoAwayCode)Interlocked.Read(ref _remoteGoAwayCode);
        var error = new YamuxGoAwayException($"peer sent GoAway ({code})", code, isRemote: true);
        // After a normal GoAway with all streams done, close politely; after an error GoAway the peer is gone already.
        return code == YamuxGoAwayCode.Normal
            ? new YamuxSessionTermination(error, YamuxGoAwayCode.Normal, FlushQueued: true)
            : YamuxSessionTermination.TransportLost(error);
    }

    private async Task KeepAliveLoopAsync()
    {
        var token = _shutdown.Token;
        var interval = Options.KeepAliveInterval;
        try
        {
            // An immediate ping seeds the RTT that receive-window auto-tuning depends on (as go-yamux does).
            var answered = await TryPingAsync(interval > TimeSpan.Zero ? interval : TimeSpan.FromSeconds(30), token);
            if (interval <= TimeSpan.Zero)
                return;
            if (!answered)
            {
                RequestClose(YamuxSessionTermination.TransportLost(new YamuxException("yamux keep-alive ping was not answered")));
                return;
            }
            using var timer = new PeriodicTimer(interval);
            while (await timer.WaitForNextTickAsync(token))
            {
                if (!await TryPingAsync(interval, token))
                {
                    RequestClose(YamuxSessionTermination.TransportLost(new YamuxException("yamux keep-alive ping was not answered")));
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (YamuxException)
        {
            // The session ended while pinging; the supervisor reports why.
        }
        catch (Exception ex)
        {
            Logger.LogError(ex, "yamux {Role}: keep-alive loop failed", Role);
            RequestClose(YamuxSessionTermination.TransportLost(new YamuxException("yamux keep-alive failed", ex)));
        }
    }

    // False when no pong arrived in time and nothing else was received either (a pong can queue behind bulk data).
    private async Task<bool> TryPingAsync(TimeSpan timeout, CancellationToken token)
    {
        var framesBefore = Interlocked.Read(ref _framesReceived);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await PingAsync(timeoutSource.Token);
            return true;
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            return Interlocked.Read(ref _framesReceived) != framesBefore;
        }
    }

    private bool IsLocalStreamId(uint id) => (id % 2 == 1) == _isInitiator;

    private sealed class PendingPing(long startTimestamp) : TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public long StartTimestamp { get; } = startTimestamp;
    }
}
