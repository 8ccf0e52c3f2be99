using Cerebrum.Core.Network.Yamux;

namespace Cerebrum.Tests.Network.Yamux;

/// <summary>Flow control end to end: windows stall writers, reading resumes them, windows auto-tune.</summary>
public class YamuxBackpressureTests
{
    private const int Window = YamuxReceiveWindow.SpecInitialWindow;
    private static readonly TimeSpan Timeout = YamuxTestTimeouts.Event;

    [Test]
    public async Task WriterStallsOnceTheReceiveWindowIsFull_AndResumesWhenTheReaderReads()
    {
        const int size = 4 * Window;
        var options = new YamuxOptions();
        await using var pair = YamuxSessionPair.Create(options, options);
        var (dialer, listener) = await pair.OpenAsync();
        var payload = YamuxSessionTests.Pattern(7, size);

        var write = dialer.WriteAsync(payload).AsTask();

        await YamuxTestTimeouts.WaitUntilAsync(() => dialer.SendWindowAvailable == 0, "the dialer used up its send window");
        await YamuxTestTimeouts.WaitUntilAsync(() => listener.BufferedBytes == Window, "the window's worth of data has arrived");
        var winner = await Task.WhenAny(write, Task.Delay(YamuxTestTimeouts.StaysPending));
        Assert.That(winner, Is.Not.SameAs(write), "the write must stay pending while the reader does not read");
        Assert.That(listener.BufferedBytes, Is.LessThanOrEqualTo(Window + options.MaxFrameSize));
        Assert.That(listener.ReceiveWindowSize, Is.EqualTo(Window), "no growth without reading");

        var received = await YamuxSessionTests.ReadExactlyAsync(listener, size);

        await write.WaitAsync(Timeout);
        Assert.That(received.AsSpan().SequenceEqual(payload), Is.True, "bytes arrive intact and in order");
    }

    [Test]
    public async Task SlowReader_BoundsWhatIsBufferedAtEveryPoint()
    {
        const int size = 2 * 1024 * 1024;
        var fixedWindow = new YamuxOptions { MaxWindowSize = Window }; // no auto-tuning: the bound stays 256 KiB
        await using var pair = YamuxSessionPair.Create(fixedWindow, fixedWindow);
        var (dialer, listener) = await pair.OpenAsync();
        var write = dialer.WriteAsync(new byte[size]).AsTask();

        long maxBuffered = 0;
        var buffer = new byte[1000];
        var total = 0;
        while (total < size)
        {
            maxBuffered = Math.Max(maxBuffered, listener.BufferedBytes);
            total += await listener.ReadAsync(buffer).AsTask().WaitAsync(Timeout);
        }

        await write.WaitAsync(Timeout);
        Assert.That(total, Is.EqualTo(size));
        Assert.That(maxBuffered, Is.LessThanOrEqualTo(Window), "the buffer never holds more than the window granted");
        Assert.That(listener.ReceiveWindowSize, Is.EqualTo(Window));
    }

    [Test]
    public async Task SustainedTransfer_GrowsTheReceiveWindowBeyondTheInitialSize()
    {
        const int size = 16 * 1024 * 1024;
        // A huge RTT floor makes every window update count as "consumed within 4 RTTs", so growth is deterministic.
        var receiver = new YamuxOptions { MinimumAutoTuneRoundTrip = TimeSpan.FromHours(1) };
        await using var pair = YamuxSessionPair.Create(listenerOptions: receiver);
        var (dialer, listener) = await pair.OpenAsync();
        var payload = YamuxSessionTests.Pattern(11, size);

        var write = Task.Run(async () =>
        {
            await dialer.WriteAsync(payload);
            await dialer.CompleteWritesAsync();
        });
        var received = await YamuxSessionTests.ReadToEndAsync(listener);
        await write.WaitAsync(Timeout);

        Assert.That(received.AsSpan().SequenceEqual(payload), Is.True, "bytes arrive intact and in order");
        Assert.That(listener.ReceiveWindowSize, Is.GreaterThan(Window));
        Assert.That(listener.ReceiveWindowSize, Is.LessThanOrEqualTo(receiver.MaxWindowSize));
    }

    [Test]
    public async Task LargerInitialWindow_IsAnnouncedWithTheSyn()
    {
        var dialerOptions = new YamuxOptions { InitialWindowSize = 1024 * 1024, MaxWindowSize = 1024 * 1024 };
        await using var pair = YamuxSessionPair.Create(dialerOptions: dialerOptions);
        var (dialer, listener) = await pair.OpenAsync();

        // The listener may send the dialer's full 1 MiB window, not just the spec's 256 KiB.
        var write = listener.WriteAsync(new byte[2 * 1024 * 1024]).AsTask();
        await YamuxTestTimeouts.WaitUntilAsync(() => dialer.BufferedBytes == 1024 * 1024, "a full 1 MiB window has arrived");
        Assert.That(write.IsCompleted, Is.False);

        await YamuxSessionTests.ReadExactlyAsync(dialer, 2 * 1024 * 1024);
        await write.WaitAsync(Timeout);
    }
}
