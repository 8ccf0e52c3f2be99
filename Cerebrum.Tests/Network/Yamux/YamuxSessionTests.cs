using System.Security.Cryptography;
using Cerebrum.Core.Network.Yamux;
using Cerebrum.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Tests.Network.Yamux;

public class YamuxSessionTests
{
    private static readonly TimeSpan Timeout = YamuxTestTimeouts.Event;

    [Test]
    public async Task OpenedStream_IsAcceptedWithPeerParityIdsAndCarriesDataBothWays()
    {
        await using var pair = YamuxSessionPair.Create();
        var (dialer, listener) = await pair.OpenAsync();
        var (dialer2, listener2) = await pair.OpenAsync();

        Assert.That(dialer.Id, Is.EqualTo(1u));
        Assert.That(dialer2.Id, Is.EqualTo(3u));
        Assert.That(listener.Id, Is.EqualTo(dialer.Id));
        Assert.That(listener2.Id, Is.EqualTo(dialer2.Id));

        await dialer.WriteAsync("ping"u8.ToArray()).AsTask().WaitAsync(Timeout);
        Assert.That(await ReadExactlyAsync(listener, 4), Is.EqualTo("ping"u8.ToArray()));
        await listener.WriteAsync("pong!"u8.ToArray()).AsTask().WaitAsync(Timeout);
        Assert.That(await ReadExactlyAsync(dialer, 5), Is.EqualTo("pong!"u8.ToArray()));

        var fromListener = await pair.Listener.OpenStreamAsync().AsTask().WaitAsync(Timeout);
        var atDialer = await pair.Dialer.AcceptStreamAsync().AsTask().WaitAsync(Timeout);
        Assert.That(fromListener.Id, Is.EqualTo(2u), "listener uses even ids");
        await fromListener.WriteAsync(new byte[] { 42 }).AsTask().WaitAsync(Timeout);
        Assert.That(await ReadExactlyAsync(atDialer, 1), Is.EqualTo(new byte[] { 42 }));
        Assert.That(pair.Dialer.StreamCount, Is.EqualTo(3));
    }

    [Test]
    public async Task HalfClose_OneSideFinishesWhileTheOtherKeepsWriting()
    {
        await using var pair = YamuxSessionPair.Create();
        var (dialer, listener) = await pair.OpenAsync();

        await dialer.WriteAsync("request"u8.ToArray()).AsTask().WaitAsync(Timeout);
        await dialer.CompleteWritesAsync().AsTask().WaitAsync(Timeout);
        Assert.That(await ReadToEndAsync(listener), Is.EqualTo("request"u8.ToArray()), "listener reads to EOF");
        Assert.That(dialer.State, Is.EqualTo(YamuxStreamState.LocalClose));

        var writeAfterFin = Assert.ThrowsAsync<InvalidOperationException>(async () => await dialer.WriteAsync(new byte[1]));
        Assert.That(writeAfterFin!.Message, Does.Contain("FIN"));

        await listener.WriteAsync("response"u8.ToArray()).AsTask().WaitAsync(Timeout);
        await listener.CompleteWritesAsync().AsTask().WaitAsync(Timeout);
        Assert.That(listener.State, Is.EqualTo(YamuxStreamState.Closed));
        Assert.That(pair.Listener.StreamCount, Is.Zero, "both FINs exchanged: removed from the listener session");

        Assert.That(await ReadToEndAsync(dialer), Is.EqualTo("response"u8.ToArray()));
        Assert.That(dialer.State, Is.EqualTo(YamuxStreamState.Closed));
        Assert.That(pair.Dialer.StreamCount, Is.Zero);
        Assert.That(await dialer.ReadAsync(new byte[8]).AsTask().WaitAsync(Timeout), Is.Zero, "EOF is sticky");
    }

    [Test]
    public async Task Reset_FailsThePeersPendingReadAndBothSidesLaterOperations()
    {
        await using var pair = YamuxSessionPair.Create();
        var (dialer, listener) = await pair.OpenAsync();
        await dialer.WriteAsync(new byte[100]).AsTask().WaitAsync(Timeout);
        await ReadExactlyAsync(listener, 100);
        var pendingRead = listener.ReadAsync(new byte[16]).AsTask();
        Assert.That(pendingRead.IsCompleted, Is.False);

        dialer.Reset();

        var error = Assert.ThrowsAsync<YamuxStreamResetException>(async () => await pendingRead.WaitAsync(Timeout));
        Assert.That(error, Is.InstanceOf<IOException>());
        Assert.ThrowsAsync<YamuxStreamResetException>(async () => await listener.WriteAsync(new byte[1]));
        Assert.ThrowsAsync<YamuxStreamResetException>(async () => await dialer.ReadExactlyAsync(new byte[1]));
        Assert.That(listener.State, Is.EqualTo(YamuxStreamState.Reset));
        Assert.That(pair.Dialer.StreamCount, Is.Zero);
        Assert.That(pair.Listener.StreamCount, Is.Zero);
        Assert.That(pair.Dialer.IsClosed || pair.Listener.IsClosed, Is.False, "a stream reset does not affect the session");
    }

    [Test]
    public async Task HundredConcurrentStreams_TransferOneMebibyteEachWayIntact()
    {
        const int streamCount = 100;
        const int size = 1024 * 1024;
        await using var pair = YamuxSessionPair.Create();

        var listenerSide = Task.Run(async () =>
        {
            var handlers = new List<Task<bool>>();
            for (var i = 0; i < streamCount; i++)
            {
                var stream = await pair.Listener.AcceptStreamAsync();
                handlers.Add(Task.Run(() => ExchangeAsync(stream, size)));
            }
            return await Task.WhenAll(handlers);
        });
        var dialerSide = Enumerable.Range(0, streamCount).Select(_ => Task.Run(async () =>
        {
            var stream = await pair.Dialer.OpenStreamAsync();
            return await ExchangeAsync(stream, size);
        })).ToArray();

        var dialerResults = await Task.WhenAll(dialerSide).WaitAsync(TimeSpan.FromSeconds(120));
        var listenerResults = await listenerSide.WaitAsync(TimeSpan.FromSeconds(120));

        Assert.That(dialerResults, Has.All.True, "every dialer stream received the listener's bytes intact");
        Assert.That(listenerResults, Has.All.True, "every listener stream received the dialer's bytes intact");
        Assert.That(listenerResults, Has.Length.EqualTo(streamCount));
        await YamuxTestTimeouts.WaitUntilAsync(() => pair.Dialer.StreamCount == 0 && pair.Listener.StreamCount == 0, "all streams are removed");

        // Each side sends a 4-byte seed, then seed-derived bytes; each side checks what the other sent.
        static async Task<bool> ExchangeAsync(YamuxStream stream, int size)
        {
            var seed = RandomNumberGenerator.GetInt32(int.MaxValue);
            var outgoing = Pattern(seed, size);
            var send = Task.Run(async () =>
            {
                await stream.WriteAsync(BitConverter.GetBytes(seed));
                for (var offset = 0; offset < size; offset += 50_000)
                    await stream.WriteAsync(outgoing.AsMemory(offset, Math.Min(50_000, size - offset)));
                await stream.CompleteWritesAsync();
            });
            var received = await ReadToEndAsync(stream);
            await send;
            await stream.DisposeAsync();
            return received.Length == size + 4
                && received.AsSpan(4).SequenceEqual(Pattern(BitConverter.ToInt32(received, 0), size));
        }
    }

    [Test]
    public async Task GoAway_StopsNewStreamsButExistingOnesFinish()
    {
        await using var pair = YamuxSessionPair.Create();
        var (dialer, listener) = await pair.OpenAsync();

        await pair.Dialer.GoAwayAsync().WaitAsync(Timeout);
        var localError = Assert.ThrowsAsync<YamuxGoAwayException>(async () => await pair.Dialer.OpenStreamAsync());
        Assert.That(localError!.IsRemote, Is.False);

        // Frames arrive in order: once this data is read, the listener has processed the GoAway before it.
        await dialer.WriteAsync("still open"u8.ToArray()).AsTask().WaitAsync(Timeout);
        Assert.That(await ReadExactlyAsync(listener, 10), Is.EqualTo("still open"u8.ToArray()));
        var remoteError = Assert.ThrowsAsync<YamuxGoAwayException>(async () => await pair.Listener.OpenStreamAsync());
        Assert.That(remoteError!.IsRemote, Is.True);
        Assert.That(remoteError.Code, Is.EqualTo(YamuxGoAwayCode.Normal));
        Assert.ThrowsAsync<YamuxGoAwayException>(async () => await pair.Listener.AcceptStreamAsync().AsTask().WaitAsync(Timeout));

        await listener.WriteAsync("reply"u8.ToArray()).AsTask().WaitAsync(Timeout);
        Assert.That(await ReadExactlyAsync(dialer, 5), Is.EqualTo("reply"u8.ToArray()));
        Assert.That(pair.Listener.IsClosed, Is.False, "the listener keeps the session while a stream is open");

        await dialer.DisposeAsync();
        await listener.DisposeAsync();

        // With the last stream gone, the side that received GoAway ends the session, reporting the GoAway.
        var ended = Assert.ThrowsAsync<YamuxGoAwayException>(async () => await pair.Listener.Completion.WaitAsync(Timeout));
        Assert.That(ended!.Code, Is.EqualTo(YamuxGoAwayCode.Normal));
    }

    [Test]
    public async Task PingAsync_MeasuresARoundTrip()
    {
        await using var pair = YamuxSessionPair.Create();

        var rtt = await pair.Dialer.PingAsync().AsTask().WaitAsync(Timeout);
        var reverse = await pair.Listener.PingAsync().AsTask().WaitAsync(Timeout);

        Assert.That(rtt, Is.GreaterThan(TimeSpan.Zero).And.LessThan(Timeout));
        Assert.That(reverse, Is.GreaterThan(TimeSpan.Zero).And.LessThan(Timeout));
        Assert.That(pair.Dialer.MeasuredRoundTrip, Is.GreaterThan(TimeSpan.Zero));
    }

    [Test]
    public async Task DisposeAsync_ClosesGracefullyAndThePeerSeesGoAway()
    {
        var pair = YamuxSessionPair.Create();
        var (dialer, listener) = await pair.OpenAsync();
        var pendingRead = listener.ReadAsync(new byte[1]).AsTask();
        await dialer.DisposeAsync();
        Assert.That(await pendingRead.WaitAsync(Timeout), Is.Zero, "dialer's FIN arrives before the session closes");
        await listener.DisposeAsync();

        await pair.Dialer.DisposeAsync().AsTask().WaitAsync(Timeout);

        Assert.That(pair.Dialer.IsClosed, Is.True);
        Assert.That(pair.Dialer.Completion.IsCompletedSuccessfully, Is.True, "a local close is not a fault");
        var peerView = Assert.ThrowsAsync<YamuxGoAwayException>(async () => await pair.Listener.Completion.WaitAsync(Timeout));
        Assert.That(peerView!.IsRemote, Is.True);
        Assert.ThrowsAsync<YamuxException>(async () => await pair.Dialer.OpenStreamAsync());
        Assert.ThrowsAsync<YamuxException>(async () => await pair.Dialer.AcceptStreamAsync().AsTask().WaitAsync(Timeout));
        await pair.DisposeAsync();
    }

    [Test]
    public async Task TransportEnd_FailsPendingStreamOperationsAndFaultsCompletion()
    {
        var (sessionEnd, peerEnd) = DuplexPipe.Create();
        await using var session = new YamuxSession(sessionEnd, isInitiator: true, new YamuxOptions { KeepAliveInterval = TimeSpan.Zero }, NullLogger.Instance);
        var stream = await session.OpenStreamAsync().AsTask().WaitAsync(Timeout);
        var pendingRead = stream.ReadAsync(new byte[1]).AsTask();
        var pendingAccept = session.AcceptStreamAsync().AsTask();

        await peerEnd.DisposeAsync();

        var readError = Assert.ThrowsAsync<YamuxException>(async () => await pendingRead.WaitAsync(Timeout));
        Assert.That(readError, Is.InstanceOf<IOException>());
        Assert.ThrowsAsync<YamuxException>(async () => await pendingAccept.WaitAsync(Timeout));
        var ended = Assert.ThrowsAsync<YamuxException>(async () => await session.Completion.WaitAsync(Timeout));
        Assert.That(ended!.Message, Does.Contain("end of stream"));
        Assert.That(session.IsClosed, Is.True);
        Assert.That(session.StreamCount, Is.Zero);
        Assert.ThrowsAsync<YamuxException>(async () => await stream.WriteAsync(new byte[1]));
    }

    [Test]
    public async Task DisposedStream_IsResetWhenThePeerNeverClosesWithinTheTimeout()
    {
        var options = new YamuxOptions { StreamCloseTimeout = TimeSpan.FromMilliseconds(200) };
        await using var pair = YamuxSessionPair.Create(dialerOptions: options);
        var (dialer, listener) = await pair.OpenAsync();

        await dialer.DisposeAsync();
        Assert.That(await listener.ReadAsync(new byte[1]).AsTask().WaitAsync(Timeout), Is.Zero, "FIN first");
        Assert.That(pair.Dialer.StreamCount, Is.EqualTo(1), "waiting for the peer's FIN");

        // The listener never closes its side: after the timeout the dialer resets the stream.
        await YamuxTestTimeouts.WaitUntilAsync(() => listener.State == YamuxStreamState.Reset, "the listener's stream is reset");
        Assert.That(pair.Dialer.StreamCount, Is.Zero, "the dialer dropped the stream before its RST went out");
        Assert.That(pair.Listener.StreamCount, Is.Zero);
        Assert.ThrowsAsync<YamuxStreamResetException>(async () => await listener.WriteAsync(new byte[1]));
    }

    [Test]
    public async Task ConcurrentReadsOnOneStream_AreRejected()
    {
        await using var pair = YamuxSessionPair.Create();
        var (dialer, _) = await pair.OpenAsync();
        using var cancel = new CancellationTokenSource();
        var first = dialer.ReadAsync(new byte[1], cancel.Token).AsTask();

        Assert.ThrowsAsync<InvalidOperationException>(async () => await dialer.ReadExactlyAsync(new byte[1]));
        Assert.That(first.IsCompleted, Is.False, "the first read is unaffected");
        await cancel.CancelAsync();
        Assert.That(async () => await first.WaitAsync(Timeout), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task CancelledRead_CanBeRetriedAndStillReceivesData()
    {
        await using var pair = YamuxSessionPair.Create();
        var (dialer, listener) = await pair.OpenAsync();
        using var cancel = new CancellationTokenSource();
        var read = listener.ReadAsync(new byte[4], cancel.Token).AsTask();

        await cancel.CancelAsync();

        Assert.That(async () => await read.WaitAsync(Timeout), Throws.InstanceOf<OperationCanceledException>());
        await dialer.WriteAsync("data"u8.ToArray()).AsTask().WaitAsync(Timeout);
        Assert.That(await ReadExactlyAsync(listener, 4), Is.EqualTo("data"u8.ToArray()));
    }

    internal static byte[] Pattern(int seed, int size)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    internal static async Task<byte[]> ReadExactlyAsync(Stream stream, int count)
    {
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer).AsTask().WaitAsync(Timeout);
        return buffer;
    }

    internal static async Task<byte[]> ReadToEndAsync(Stream stream)
    {
        using var collected = new MemoryStream();
        await stream.CopyToAsync(collected).WaitAsync(TimeSpan.FromSeconds(60));
        return collected.ToArray();
    }
}
