using System.Diagnostics;
using System.Runtime.CompilerServices;
using Cerebrum.Core.Network.Resources;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Network.Yamux;

/// <summary>
/// One multiplexed yamux stream. Reads return 0 once the peer sent FIN and throw <see cref="YamuxStreamResetException"/>
/// after a reset; writes wait asynchronously while the peer's window is exhausted, which is what propagates backpressure
/// from a slow remote reader to the local writer. One reader and one writer may run concurrently; concurrent reads (or
/// concurrent writes) are rejected.
/// </summary>
public sealed class YamuxStream : Stream, IScopedStream
{
    private readonly YamuxSession _session;
    private readonly Lock _sync = new();
    private readonly YamuxStreamStateMachine _state;
    private readonly YamuxReceiveWindow _receiveWindow;
    private readonly YamuxSendWindow _sendWindow = new();
    private readonly YamuxReceiveBuffer _receiveBuffer = new();
    private readonly AsyncSignal _readable = new();
    private readonly AsyncSignal _writable = new();

    // Why the stream can no longer be used (reset by either side, or the session ended); guarded by _sync.
    private Exception? _failure;
    // The application disposed the stream: incoming data is dropped and no longer re-granted.
    private bool _disposed;
    private ITimer? _closeTimer;
    private int _activeReader;
    private int _activeWriter;
    // Outbound streams occupy one of the session's un-ACKed SYN slots until ACKed or gone.
    private int _holdsSynSlot;
    private int _detached;
    // Receive window reserved in the session's memory scope (the initial window and every growth); guarded by _sync.
    private long _reservedMemory;
    private bool _memoryReleased;

    /// <summary>The stream's resource scope once it is a <see cref="Streams.ProtocolStream"/>: its handler's message buffers are reserved there.</summary>
    public IResourceScope? BufferScope { get; internal set; }

    /// <param name="reservedMemory">What the session already reserved for this stream's initial window.</param>
    internal YamuxStream(YamuxSession session, uint id, bool isOutbound, long reservedMemory = 0)
    {
        _session = session;
        Id = id;
        _state = new YamuxStreamStateMachine(isOutbound ? YamuxStreamState.Init : YamuxStreamState.SynReceived);
        _reservedMemory = reservedMemory;
        _receiveWindow = new YamuxReceiveWindow(session.Options.InitialWindowSize, session.Options.MaxWindowSize, Stopwatch.GetTimestamp(),
            session.Memory is null ? null : ReserveWindowGrowth);
        _holdsSynSlot = isOutbound ? 1 : 0;
    }

    public uint Id { get; }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Current receive window target (grows with auto-tuning); for tests and diagnostics.</summary>
    internal int ReceiveWindowSize
    {
        get
        {
            lock (_sync)
                return _receiveWindow.WindowSize;
        }
    }

    /// <summary>Bytes of receive window reserved in the session's memory scope; for tests and diagnostics.</summary>
    internal long ReservedMemory
    {
        get
        {
            lock (_sync)
                return _reservedMemory;
        }
    }

    internal long BufferedBytes
    {
        get
        {
            lock (_sync)
                return _receiveBuffer.Length;
        }
    }

    internal long SendWindowAvailable
    {
        get
        {
            lock (_sync)
                return _sendWindow.Available;
        }
    }

    internal YamuxStreamState State
    {
        get
        {
            lock (_sync)
                return _state.State;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _activeReader, 1) != 0)
            throw new InvalidOperationException("concurrent reads on one yamux stream are not supported");
        try
        {
            while (true)
            {
                if (TryReadBuffered(buffer.Span, cancellationToken, out var read, out var wait))
                    return read;
                await wait;
            }
        }
        finally
        {
            Volatile.Write(ref _activeReader, 0);
        }
    }

    // Either completes the read (true) or arms the readable signal and returns the wait (false), atomically under the lock.
    private bool TryReadBuffered(Span<byte> destination, CancellationToken cancellationToken, out int read, out ValueTask wait)
    {
        wait = default;
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_receiveBuffer.Length > 0)
            {
                read = _receiveBuffer.Read(destination);
                _receiveWindow.Consume(read);
                if (_state.CanReceive)
                {
                    var delta = _receiveWindow.TakeUpdate(Stopwatch.GetTimestamp(), _session.AutoTuneRoundTripTicks);
                    if (delta > 0)
                        _session.EnqueuePriority(new YamuxFrameHeader(YamuxFrameType.WindowUpdate, YamuxFrameFlags.None, Id, delta));
                }
                else if (_state.IsTerminal && _receiveBuffer.Length == 0)
                {
                    ReleaseMemory(); // the last bytes of a closed stream were read
                }
                return true;
            }
            if (_failure is not null)
                throw CreateFailureException();
            if (_state.IsRemoteFinished)
            {
                read = 0;
                return true;
            }
            read = 0;
            cancellationToken.ThrowIfCancellationRequested();
            wait = _readable.WaitAsync(cancellationToken);
            return false;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _activeWriter, 1) != 0)
            throw new InvalidOperationException("concurrent writes on one yamux stream are not supported");
        try
        {
            var maxFrame = _session.Options.MaxFrameSize;
            while (!buffer.IsEmpty)
            {
                if (!TryReserveSendWindow(Math.Min(buffer.Length, maxFrame), cancellationToken, out var granted, out var wait))
                {
                    await wait;
                    continue;
                }
                try
                {
                    await _session.SendDataAsync(this, buffer[..granted], cancellationToken);
                }
                catch
                {
                    lock (_sync)
                        _sendWindow.Unreserve(granted);
                    throw;
                }
                buffer = buffer[granted..];
            }
        }
        finally
        {
            Volatile.Write(ref _activeWriter, 0);
        }
    }

    private bool TryReserveSendWindow(int wanted, CancellationToken cancellationToken, out int granted, out ValueTask wait)
    {
        wait = default;
        lock (_sync)
        {
            ThrowIfCannotSend();
            granted = _sendWindow.Reserve(wanted);
            if (granted > 0)
                return true;
            cancellationToken.ThrowIfCancellationRequested();
            wait = _writable.WaitAsync(cancellationToken);
            return false;
        }
    }

    /// <summary>Queues a Data frame (pooled buffer with header) unless the stream can no longer send; called by the session.</summary>
    internal void EnqueueData(byte[] frameBuffer, int frameLength)
    {
        // Under the lock so a concurrent FIN or RST can never be queued ahead of data written "before" it.
        lock (_sync)
        {
            ThrowIfCannotSend();
            if (!_session.EnqueueOrdered(YamuxOutboundFrame.ForData(frameBuffer, frameLength)))
                throw _session.CreateClosedException();
        }
    }

    /// <summary>Half-close: sends FIN. Reading keeps working until the peer finishes too. Idempotent.</summary>
    public ValueTask CompleteWritesAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        bool closed;
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_failure is not null)
                throw CreateFailureException();
            if (!_state.CanSend)
                return ValueTask.CompletedTask;
            if (Volatile.Read(ref _activeWriter) != 0)
                throw new InvalidOperationException("cannot complete writes while a write is in progress");
            _state.OnFinSent();
            _session.EnqueueOrdered(YamuxOutboundFrame.ForHeader(new YamuxFrameHeader(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Fin, Id, 0)));
            closed = _state.IsTerminal;
        }
        if (closed)
            Detach();
        return ValueTask.CompletedTask;
    }

    /// <summary>Aborts the stream in both directions: sends RST, drops buffered data, fails pending reads and writes.</summary>
    public void Reset() => ResetCore("stream was reset locally", sendRst: true);

    private void ResetCore(string reason, bool sendRst)
    {
        lock (_sync)
        {
            if (!_state.OnReset())
                return;
            _failure = new YamuxStreamResetException($"yamux stream {Id}: {reason}");
            DropBuffered();
            ReleaseMemory();
        }
        // Leave the session before the RST goes out or waiters wake, so whoever reacts sees the stream gone. No data
        // can be queued after the state change above, so the RST still follows everything this stream sent.
        Detach();
        if (sendRst)
            _session.EnqueueOrdered(YamuxOutboundFrame.ForHeader(new YamuxFrameHeader(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Rst, Id, 0)));
        _readable.Set();
        _writable.Set();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            CloseByApplication();
        base.Dispose(disposing);
    }

    // Dispose: FIN if not yet sent, stop buffering. The stream leaves the session once the peer's FIN arrives, or is
    // reset after StreamCloseTimeout if it never does.
    private void CloseByApplication()
    {
        bool abortWrite;
        bool terminal;
        lock (_sync)
        {
            if (_disposed)
                return;
            _disposed = true;
            DropBuffered();
            ReleaseMemory();
            // A write racing with dispose could otherwise put data behind our FIN; abort instead.
            abortWrite = !_state.IsTerminal && Volatile.Read(ref _activeWriter) != 0;
            if (!abortWrite && _state.CanSend)
            {
                _state.OnFinSent();
                _session.EnqueueOrdered(YamuxOutboundFrame.ForHeader(new YamuxFrameHeader(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Fin, Id, 0)));
            }
            terminal = _state.IsTerminal;
            var timeout = _session.Options.StreamCloseTimeout;
            if (!terminal && !abortWrite && timeout != Timeout.InfiniteTimeSpan)
                _closeTimer = TimeProvider.System.CreateTimer(static s => ((YamuxStream)s!).OnCloseTimeout(), this, timeout, Timeout.InfiniteTimeSpan);
        }
        _readable.Set();
        _writable.Set();
        if (abortWrite)
            ResetCore("disposed while a write was in progress", sendRst: true);
        else if (terminal)
            Detach();
    }

    private void OnCloseTimeout()
    {
        _session.Logger.LogDebug("yamux stream {StreamId}: peer did not close within the stream close timeout, resetting", Id);
        ResetCore("peer did not close its side within the stream close timeout", sendRst: true);
    }

    /// <summary>Outbound: sends the SYN (a WindowUpdate carrying any window beyond the spec's 256 KiB).</summary>
    internal void SendSyn()
    {
        lock (_sync)
        {
            if (!_state.OnSynSent())
                return;
            var delta = _receiveWindow.TakeOpeningGrant(Stopwatch.GetTimestamp());
            if (!_session.EnqueueOrdered(YamuxOutboundFrame.ForHeader(new YamuxFrameHeader(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Syn, Id, delta))))
                throw _session.CreateClosedException();
        }
    }

    /// <summary>Inbound: the application accepted the stream, so ACK it (with any window beyond 256 KiB).</summary>
    internal void Acknowledge()
    {
        lock (_sync)
        {
            if (_state.State == YamuxStreamState.Reset || !_state.OnAckSent())
                return;
            var delta = _receiveWindow.TakeOpeningGrant(Stopwatch.GetTimestamp());
            _session.EnqueuePriority(new YamuxFrameHeader(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Ack, Id, delta));
        }
    }

    /// <summary>Read loop: accounts for an incoming Data frame before its payload is read.</summary>
    internal YamuxReceiveDisposition BeginReceive(uint length, out long windowRemaining)
    {
        lock (_sync)
        {
            windowRemaining = _receiveWindow.Remaining;
            if (_state.State == YamuxStreamState.Reset)
                return YamuxReceiveDisposition.Discard;
            if (!_state.CanReceive)
                return YamuxReceiveDisposition.DataAfterFin;
            if (!_receiveWindow.TryReceive(length))
                return YamuxReceiveDisposition.WindowExceeded;
            if (!_disposed)
                return YamuxReceiveDisposition.Deliver;
            // Abandoned by the application: count it, drop it, never re-grant it.
            _receiveWindow.Consume(length);
            return YamuxReceiveDisposition.Discard;
        }
    }

    /// <summary>Read loop: hands over (a slice of) the payload announced by <see cref="BeginReceive"/>; takes ownership of the pooled array.</summary>
    internal void CompleteReceive(byte[] pooledSegment, int length)
    {
        lock (_sync)
        {
            if (_state.State == YamuxStreamState.Reset || _disposed)
            {
                // Reset or disposed while the payload was being read: it was counted in BeginReceive, drop it now.
                YamuxBufferPool.Shared.Return(pooledSegment);
                _receiveWindow.Consume(length);
                return;
            }
            _receiveBuffer.Enqueue(pooledSegment, length);
        }
        _readable.Set();
    }

    /// <summary>Read loop: the peer granted more send window.</summary>
    internal void OnWindowUpdate(uint delta)
    {
        if (delta == 0)
            return;
        bool resumed;
        lock (_sync)
            resumed = _sendWindow.Grow(delta);
        if (resumed)
            _writable.Set();
    }

    /// <summary>Read loop: applies ACK / FIN / RST carried by a Data or WindowUpdate frame.</summary>
    internal void OnRemoteFlags(YamuxFrameFlags flags)
    {
        if ((flags & (YamuxFrameFlags.Ack | YamuxFrameFlags.Fin | YamuxFrameFlags.Rst)) == 0)
            return; // the common case for bulk data: nothing to do, no lock
        if ((flags & YamuxFrameFlags.Rst) != 0)
        {
            ResetCore("stream was reset by the peer", sendRst: false);
            return;
        }
        var acknowledged = false;
        var finished = false;
        var closed = false;
        lock (_sync)
        {
            if ((flags & YamuxFrameFlags.Ack) != 0)
                acknowledged = _state.OnAckReceived();
            if ((flags & YamuxFrameFlags.Fin) != 0)
                finished = _state.OnFinReceived();
            closed = _state.IsTerminal;
        }
        if (acknowledged)
            ReleaseSynSlot();
        if (closed)
            Detach();
        if (finished)
            _readable.Set();
    }

    /// <summary>The session ended: fail pending and future operations without sending anything.</summary>
    internal void Fail(Exception reason)
    {
        lock (_sync)
        {
            if (_state.OnReset())
            {
                _failure = reason;
                DropBuffered();
            }
            ReleaseMemory();
            _closeTimer?.Dispose();
            _closeTimer = null;
        }
        Volatile.Write(ref _detached, 1);
        _readable.Set();
        _writable.Set();
    }

    private void DropBuffered()
    {
        var dropped = _receiveBuffer.Clear();
        if (dropped > 0)
            _receiveWindow.Consume(dropped);
    }

    // The receive window's growth callback (called under _sync): reserve first, or do not grow.
    private bool ReserveWindowGrowth(long bytes)
    {
        if (_memoryReleased || !_session.Memory!.ReserveMemory(bytes, ReservationPriority.Medium))
            return false;
        _reservedMemory += bytes;
        return true;
    }

    // Nothing more can arrive, or nothing more will be kept: give the window's reservation back (under _sync, once).
    private void ReleaseMemory()
    {
        _memoryReleased = true;
        if (_reservedMemory == 0)
            return;
        _session.Memory?.ReleaseMemory(_reservedMemory);
        _reservedMemory = 0;
    }

    private void ReleaseSynSlot()
    {
        if (Interlocked.Exchange(ref _holdsSynSlot, 0) == 1)
            _session.ReleaseSynSlot();
    }

    // Leaves the session once both sides closed or the stream was reset; runs at most once.
    private void Detach()
    {
        if (Interlocked.Exchange(ref _detached, 1) != 0)
            return;
        lock (_sync)
        {
            _closeTimer?.Dispose();
            _closeTimer = null;
            // Both sides finished: nothing more can arrive. Bytes still buffered stay reserved until read or disposed.
            if (_receiveBuffer.Length == 0)
                ReleaseMemory();
        }
        ReleaseSynSlot();
        _session.OnStreamTerminated(this);
    }

    private void ThrowIfCannotSend()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failure is not null)
            throw CreateFailureException();
        if (!_state.CanSend)
            throw new InvalidOperationException($"yamux stream {Id}: writes were already completed (FIN sent)");
    }

    // A fresh exception per throw so concurrent observers do not share (and overwrite) one stack trace.
    private YamuxException CreateFailureException() => _failure switch
    {
        YamuxStreamResetException reset => new YamuxStreamResetException(reset.Message),
        { } other => new YamuxException($"yamux stream {Id}: {other.Message}", other),
        null => new YamuxException($"yamux stream {Id} failed"),
    };

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Frames are queued for the session's write loop, which flushes whenever its queue runs dry.
    public override void Flush() { }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override string ToString() => $"yamux stream {Id}";
}
