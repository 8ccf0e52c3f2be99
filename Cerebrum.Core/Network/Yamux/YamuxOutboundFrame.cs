namespace Cerebrum.Core.Network.Yamux;

/// <summary>What the write loop does with one queued item.</summary>
internal enum YamuxOutboundFrameKind : byte
{
    /// <summary>No-op that only wakes the write loop so it looks at the priority queue.</summary>
    Wake,
    /// <summary>A header-only frame (WindowUpdate, Ping, GoAway, or a flags-only stream frame).</summary>
    Header,
    /// <summary>A header-only frame the peer provoked (pong, RST of a refused stream), counted against the reply backlog.</summary>
    Reply,
    /// <summary>A Data frame whose header and payload sit together in a pooled array.</summary>
    Data,
    /// <summary>Flush everything queued before it, then complete <see cref="YamuxOutboundFrame.Flushed"/>.</summary>
    Barrier,
}

/// <summary>One item of the session's write queue.</summary>
internal readonly struct YamuxOutboundFrame
{
    private YamuxOutboundFrame(YamuxOutboundFrameKind kind, YamuxFrameHeader header, byte[]? buffer, int length, TaskCompletionSource? flushed)
    {
        Kind = kind;
        Header = header;
        Buffer = buffer;
        Length = length;
        Flushed = flushed;
    }

    public YamuxOutboundFrameKind Kind { get; }

    public YamuxFrameHeader Header { get; }

    /// <summary>Pooled array holding the encoded header followed by the payload (Data only); the write loop returns it.</summary>
    public byte[]? Buffer { get; }

    /// <summary>Bytes of <see cref="Buffer"/> to write (header included).</summary>
    public int Length { get; }

    public TaskCompletionSource? Flushed { get; }

    public static YamuxOutboundFrame Wake => default;

    public static YamuxOutboundFrame ForHeader(YamuxFrameHeader header) => new(YamuxOutboundFrameKind.Header, header, null, 0, null);

    public static YamuxOutboundFrame ForReply(YamuxFrameHeader header) => new(YamuxOutboundFrameKind.Reply, header, null, 0, null);

    public static YamuxOutboundFrame ForData(byte[] pooledBuffer, int length) => new(YamuxOutboundFrameKind.Data, default, pooledBuffer, length, null);

    public static YamuxOutboundFrame ForBarrier(TaskCompletionSource flushed) => new(YamuxOutboundFrameKind.Barrier, default, null, 0, flushed);
}
