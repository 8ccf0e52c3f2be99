using Cerebrum.Core.Network.Yamux;
using Cerebrum.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Tests.Network.Yamux;

/// <summary>
/// A hand-driven peer that writes crafted frames (or raw bytes) to a real <see cref="YamuxSession"/> and reads what
/// the session sends back, for protocol-violation and limit tests.
/// </summary>
internal sealed class RawYamuxPeer : IAsyncDisposable
{
    private readonly Stream _stream;

    private RawYamuxPeer(Stream stream, YamuxSession session)
    {
        _stream = stream;
        Session = session;
    }

    /// <summary>The session under test; the raw peer plays the dialer (odd stream ids) unless told otherwise.</summary>
    public YamuxSession Session { get; }

    public static RawYamuxPeer Create(YamuxOptions? options = null, bool sessionIsInitiator = false)
    {
        var (sessionEnd, peerEnd) = DuplexPipe.Create(new System.IO.Pipelines.PipeOptions(
            pauseWriterThreshold: 8 * 1024 * 1024, resumeWriterThreshold: 4 * 1024 * 1024, useSynchronizationContext: false));
        var session = new YamuxSession(sessionEnd, sessionIsInitiator, options ?? new YamuxOptions { KeepAliveInterval = TimeSpan.Zero }, NullLogger.Instance);
        return new RawYamuxPeer(peerEnd, session);
    }

    public Task SendAsync(YamuxFrameType type, YamuxFrameFlags flags, uint streamId, uint length) =>
        SendRawAsync(Encode(new YamuxFrameHeader(type, flags, streamId, length)));

    public Task SendDataAsync(uint streamId, ReadOnlySpan<byte> payload, YamuxFrameFlags flags = YamuxFrameFlags.None)
    {
        var frame = new byte[YamuxFrameHeader.Size + payload.Length];
        new YamuxFrameHeader(YamuxFrameType.Data, flags, streamId, (uint)payload.Length).WriteTo(frame);
        payload.CopyTo(frame.AsSpan(YamuxFrameHeader.Size));
        return SendRawAsync(frame);
    }

    public async Task SendRawAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes).AsTask().WaitAsync(YamuxTestTimeouts.Event);
        await _stream.FlushAsync().WaitAsync(YamuxTestTimeouts.Event);
    }

    /// <summary>Reads the next frame header (skipping its payload); null at end of stream.</summary>
    public async Task<YamuxFrameHeader?> ReadFrameAsync()
    {
        var header = new byte[YamuxFrameHeader.Size];
        var read = await _stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false).AsTask().WaitAsync(YamuxTestTimeouts.Event);
        if (read == 0)
            return null;
        Assert.That(read, Is.EqualTo(header.Length), "session sent a truncated header");
        Assert.That(YamuxFrameHeader.TryRead(header, out var frame), Is.True);
        if (frame.Type == YamuxFrameType.Data && frame.Length > 0)
        {
            var payload = new byte[frame.Length];
            await _stream.ReadExactlyAsync(payload).AsTask().WaitAsync(YamuxTestTimeouts.Event);
        }
        return frame;
    }

    /// <summary>Reads frames, ignoring the session's own pings (its RTT probe), until one that is not a ping request.</summary>
    public async Task<YamuxFrameHeader?> ReadNextNonPingAsync()
    {
        while (true)
        {
            var frame = await ReadFrameAsync();
            if (frame is not { Type: YamuxFrameType.Ping } ping || !ping.HasFlag(YamuxFrameFlags.Syn))
                return frame;
        }
    }

    /// <summary>Reads until end of stream, returning every frame seen on the way.</summary>
    public async Task<List<YamuxFrameHeader>> ReadToEndAsync()
    {
        var frames = new List<YamuxFrameHeader>();
        while (await ReadFrameAsync() is { } frame)
            frames.Add(frame);
        return frames;
    }

    public void CloseTransport() => _stream.Dispose();

    public async ValueTask DisposeAsync()
    {
        await Session.DisposeAsync().AsTask().WaitAsync(YamuxTestTimeouts.Event);
        await _stream.DisposeAsync();
    }

    private static byte[] Encode(YamuxFrameHeader header)
    {
        var bytes = new byte[YamuxFrameHeader.Size];
        header.WriteTo(bytes);
        return bytes;
    }
}
