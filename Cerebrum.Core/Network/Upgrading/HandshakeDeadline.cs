using System.Diagnostics;

namespace Cerebrum.Core.Network.Upgrading;

/// <summary>
/// How long one connection's handshake (multistream-select, Noise, the muxer) may take, as one cancellation token: all
/// of it within the handshake timeout; the remote's first byte within the first-byte timeout (an inbound connection,
/// whose dialer speaks first, or sends nothing at all when it only means to hold a slot); each later byte within the
/// step timeout of the one before. The listener may also evict the handshake to make room. Remembers why it ended, for
/// the log and the dial error.
/// </summary>
/// <remarks>
/// The remote's bytes are reported by <see cref="HandshakeStream"/>, under the handshake's reads; each re-arms the timer.
/// Once <see cref="Finish"/> is called (the connection is upgraded) nothing cancels it any more.
/// </remarks>
internal sealed class HandshakeDeadline : IDisposable
{
    private readonly CancellationTokenSource _cancellation;
    private readonly CancellationToken _outer;
    private readonly TimeSpan _total;
    private readonly TimeSpan _firstByte;
    private readonly TimeSpan _step;
    private readonly long _started;
    private long _lastProgress;
    private int _received;
    private int _finished;
    private string? _evictedBecause;

    public HandshakeDeadline(TimeSpan total, TimeSpan firstByte, TimeSpan step, CancellationToken outer)
    {
        _outer = outer;
        _total = total;
        _firstByte = firstByte;
        _step = step;
        _started = _lastProgress = Stopwatch.GetTimestamp();
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _cancellation.CancelAfter(Min(firstByte, total));
    }

    /// <summary>Cancelled when the handshake is out of time, evicted, or the owner stops.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>Since the remote's last byte (or since the connection began, before its first).</summary>
    public TimeSpan Idle => Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastProgress));

    /// <summary>Whether the remote has sent anything yet.</summary>
    public bool HasReceived => Volatile.Read(ref _received) != 0;

    /// <summary>The remote sent bytes: the next must come within the step timeout (and the whole within the total).</summary>
    public void OnReceived()
    {
        if (Volatile.Read(ref _finished) != 0)
            return;
        var now = Stopwatch.GetTimestamp();
        Interlocked.Exchange(ref _lastProgress, now);
        Volatile.Write(ref _received, 1);
        var remaining = _total - Stopwatch.GetElapsedTime(_started, now);
        try
        {
            if (remaining > TimeSpan.Zero)
                _cancellation.CancelAfter(Min(_step, remaining));
        }
        catch (ObjectDisposedException)
        {
            // The handshake ended (and its deadline was disposed) while this read was completing.
        }
    }

    /// <summary>Ends the handshake early to make room for another connection.</summary>
    public void Evict(string reason)
    {
        Volatile.Write(ref _evictedBecause, reason);
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Finished meanwhile: nothing to evict.
        }
    }

    /// <summary>The handshake is done: nothing cancels it from now on.</summary>
    public void Finish()
    {
        Volatile.Write(ref _finished, 1);
        _cancellation.CancelAfter(Timeout.InfiniteTimeSpan);
    }

    /// <summary>Whether <see cref="Token"/> was cancelled by this deadline (time, eviction) rather than by the owner stopping.</summary>
    public bool Expired => _cancellation.IsCancellationRequested && !_outer.IsCancellationRequested;

    /// <summary>Why the handshake was cut, in words for a log line or a dial error.</summary>
    public string Reason
    {
        get
        {
            if (Volatile.Read(ref _evictedBecause) is { } evicted)
                return evicted;
            if (Stopwatch.GetElapsedTime(_started) >= _total)
                return $"the handshake did not finish within {_total.TotalSeconds:0.#} s";
            return HasReceived
                ? $"the handshake stalled: no byte for {_step.TotalSeconds:0.#} s"
                : $"no byte within {_firstByte.TotalSeconds:0.#} s of connecting";
        }
    }

    public void Dispose() => _cancellation.Dispose();

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
