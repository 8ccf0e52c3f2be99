namespace Cerebrum.Core.Network.Yamux;

/// <summary>
/// Receive-side flow control for one stream (pure: time comes in as timestamps; not thread-safe).
/// Invariant: <see cref="Remaining"/> + <see cref="Buffered"/> + (consumed but not yet re-granted) == <see cref="WindowSize"/>.
/// A WindowUpdate re-grants consumed bytes once at least half the window was consumed (as go/js/rust do, to avoid
/// an update per read). Auto-tuning doubles the window up to the maximum when half a window was consumed within
/// four round trips, i.e. when the window rather than the reader limits throughput (go-yamux's rule). Every byte of
/// window beyond the spec's 256 KiB (a larger initial window, each doubling) is first reserved through the growth
/// callback, which may refuse: the window then stays as it is.
/// </summary>
internal sealed class YamuxReceiveWindow
{
    /// <summary>Both sides assume this window until told otherwise (spec).</summary>
    public const int SpecInitialWindow = 256 * 1024;

    private readonly int _initialWindow;
    private readonly int _maxWindow;
    private readonly Func<long, bool>? _reserveGrowth;
    private long _epochStart;

    /// <param name="reserveGrowth">Asked before the window grows by the given bytes; false keeps it as it is. Null: always grow.</param>
    public YamuxReceiveWindow(int initialWindow, int maxWindow, long nowTimestamp, Func<long, bool>? reserveGrowth = null)
    {
        if (initialWindow < SpecInitialWindow)
            throw new ArgumentOutOfRangeException(nameof(initialWindow), initialWindow, "must be at least the spec's 256 KiB");
        if (maxWindow < initialWindow)
            throw new ArgumentOutOfRangeException(nameof(maxWindow), maxWindow, "must be at least the initial window");
        WindowSize = SpecInitialWindow;
        _initialWindow = initialWindow;
        _maxWindow = maxWindow;
        _reserveGrowth = reserveGrowth;
        Remaining = SpecInitialWindow;
        _epochStart = nowTimestamp;
    }

    /// <summary>Current target window (the spec's until opened, then grows with auto-tuning).</summary>
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
        TryGrowTo(_initialWindow);
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
            TryGrowTo((int)Math.Min((long)WindowSize * 2, _maxWindow));
        _epochStart = nowTimestamp;
        return Grant();
    }

    private void TryGrowTo(int size)
    {
        if (size > WindowSize && (_reserveGrowth is null || _reserveGrowth(size - WindowSize)))
            WindowSize = size;
    }

    private uint Grant()
    {
        var delta = PendingGrant;
        Remaining += delta;
        return (uint)delta;
    }
}
