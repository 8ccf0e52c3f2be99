namespace Cerebrum.Core.Network.Yamux;

/// <summary>Tunables of a <see cref="YamuxSession"/>. Defaults match go-yamux / js-libp2p-yamux.</summary>
public sealed record YamuxOptions
{
    /// <summary>Receive window announced for every new stream; the spec's 256 KiB is the minimum both sides assume.</summary>
    public int InitialWindowSize { get; init; } = YamuxReceiveWindow.SpecInitialWindow;

    /// <summary>Per-stream receive window can auto-tune up to this when the window, not the reader, limits throughput.</summary>
    public int MaxWindowSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>Largest payload of an outgoing Data frame.</summary>
    public int MaxFrameSize { get; init; } = 64 * 1024;

    /// <summary>Inbound streams the application has not accepted (and so this side has not ACKed); further SYNs are RST.</summary>
    public int MaxUnacknowledgedInboundStreams { get; init; } = 256;

    /// <summary>Open streams (both directions) per session; inbound SYNs beyond it are RST, OpenStreamAsync throws.</summary>
    public int MaxStreams { get; init; } = 1024;

    /// <summary>Interval of keep-alive pings; a ping unanswered within the interval ends the session. Zero disables.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>After the application disposed a stream, how long the peer has to send its FIN before the stream is reset.</summary>
    public TimeSpan StreamCloseTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Lower bound for the RTT used by window auto-tuning, so loopback's microsecond RTT does not freeze growth under scheduling jitter.</summary>
    internal TimeSpan MinimumAutoTuneRoundTrip { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>How long a graceful close waits for queued frames (GoAway included) to reach the transport before cutting it.</summary>
    internal TimeSpan CloseFlushTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Outgoing Data frames that may sit in the write queue at once, across all streams; bounds queued memory.</summary>
    internal int MaxQueuedDataFrames { get; init; } = 64;

    public void Validate()
    {
        if (InitialWindowSize < YamuxReceiveWindow.SpecInitialWindow)
            throw new ArgumentException($"{nameof(InitialWindowSize)} must be at least {YamuxReceiveWindow.SpecInitialWindow} bytes (the yamux spec's initial window), got {InitialWindowSize}");
        if (MaxWindowSize < InitialWindowSize)
            throw new ArgumentException($"{nameof(MaxWindowSize)} ({MaxWindowSize}) must be at least {nameof(InitialWindowSize)} ({InitialWindowSize})");
        if (MaxFrameSize is < 1 or > 16 * 1024 * 1024)
            throw new ArgumentException($"{nameof(MaxFrameSize)} must be between 1 byte and 16 MiB, got {MaxFrameSize}");
        if (MaxUnacknowledgedInboundStreams < 1)
            throw new ArgumentException($"{nameof(MaxUnacknowledgedInboundStreams)} must be positive, got {MaxUnacknowledgedInboundStreams}");
        if (MaxStreams < 1)
            throw new ArgumentException($"{nameof(MaxStreams)} must be positive, got {MaxStreams}");
        if (KeepAliveInterval < TimeSpan.Zero || KeepAliveInterval.TotalMilliseconds > int.MaxValue)
            throw new ArgumentException($"{nameof(KeepAliveInterval)} must be zero (disabled) or a positive interval, got {KeepAliveInterval}");
        if (StreamCloseTimeout != Timeout.InfiniteTimeSpan && (StreamCloseTimeout <= TimeSpan.Zero || StreamCloseTimeout.TotalMilliseconds > int.MaxValue))
            throw new ArgumentException($"{nameof(StreamCloseTimeout)} must be positive (or infinite), got {StreamCloseTimeout}");
        if (MinimumAutoTuneRoundTrip < TimeSpan.Zero)
            throw new ArgumentException($"{nameof(MinimumAutoTuneRoundTrip)} must not be negative");
        if (CloseFlushTimeout <= TimeSpan.Zero)
            throw new ArgumentException($"{nameof(CloseFlushTimeout)} must be positive");
        if (MaxQueuedDataFrames < 1)
            throw new ArgumentException($"{nameof(MaxQueuedDataFrames)} must be positive");
    }
}
