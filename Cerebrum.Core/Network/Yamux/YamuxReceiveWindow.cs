namespace Cerebrum.Core.Network.Yamux;

/// <summary>
/// Receive-side flow control for one stream (pure: time comes in as timestamps; not thread-safe).
/// Invariant: <see cref="Remaining"/> + <see cref="Buffered"/> + (consumed but not yet re-granted) == <see cref="WindowSize"/>.
/// A WindowUpdate re-grants consumed bytes once at least half the window was consumed (as go/js/rust do, to avoid
/// an update per read). Auto-tuning doubles the window up to the maximum when half a window was consumed within
/// four round trips, i.e. when the window rather than the reader limits throughput (go-yamux's rule).
/// </summary>
internal sealed class YamuxReceiveWindow
{
    /// <summary>Both sides assume this window until told otherwise (spec).</summary>
    public const int SpecInitialWindow = 256 * 1024;

    private readonly int _maxWindow;
    private long _epochStart;

    public YamuxReceiveWindow(int initialWindow, int maxWindow, long nowTimestamp)
    {
        if (initialWindow < SpecInitialWindow)
            throw new ArgumentOutOfRangeException(nameof(initialWindow), initialWindow, "must be at least the spec's 256 KiB");
        if (maxWindow < initialWindow)
            throw new ArgumentOutOfRangeException(nameof(maxWindow), maxWindow, "must be at least the initial window");
        WindowSize = initialWindow;
        _maxWindow = maxWindow;
        Remaining = SpecInitialWindow;
        _epochStart = nowTimestamp;
    }

    /// <summary>Current target window (grows with auto-tuning).</summary>
    public int WindowSize { get; private set; }

    /// <summary>Bytes the peer may still send before it must wait for a WindowUpdate.</summary>
    public long Remaining { get; private set; }

    /// <summary>Bytes received but not yet consumed by the application.</summary>
    public long Buffered { get; private set; }

    /// <summary>Consumed bytes not yet handed back to the peer.</summary>
    public long PendingGrant => WindowSize - Remaining - Buffered;

    /// <summary>Accounts for an incoming data frame; false means the peer overran the window it was granted.</summary>
    public bool TryReceive(uint length)
    {
        if (length > Remaining)
            return false;
        Remaining -= length;
        Buffered += length;
        return true;
    }

    /// <summary>The application took (or the stream discarded) <paramref name="count"/> buffered bytes.</summary>
    public void Consume(long count)
    {
        if (count < 0 || count > Buffered)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"only {Buffered} bytes are buffered");
        Buffered -= count;
    }

    /// <summary>
    /// The delta to announce with SYN or ACK: whatever the target window exceeds the 256 KiB the peer assumes (may be 0;
    /// the SYN/ACK frame goes out regardless).
    /// </summary>
    public uint TakeOpeningGrant(long nowTimestamp)
    {
        _epochStart = nowTimestamp;
        return Grant();
    }

    /// <summary>
    /// Returns the WindowUpdate delta to send now, or 0 when not enough was consumed to be worth a frame.
    /// <paramref name="roundTrip"/> is in the same unit as the timestamps; 0 or less disables growth.
    /// </summary>
    public uint TakeUpdate(long nowTimestamp, long roundTrip)
    {
        if (PendingGrant < WindowSize / 2)
            return 0;
        if (roundTrip > 0 && WindowSize < _maxWindow && nowTimestamp - _epochStart < 4 * roundTrip)
            WindowSize = (int)Math.Min((long)WindowSize * 2, _maxWindow);
        _epochStart = nowTimestamp;
        return Grant();
    }

    private uint Grant()
    {
        var delta = PendingGrant;
        Remaining += delta;
        return (uint)delta;
    }
}
