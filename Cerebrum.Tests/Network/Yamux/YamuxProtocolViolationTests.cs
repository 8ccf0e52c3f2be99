using Cerebrum.Core.Network.Yamux;
using Microsoft.Extensions.Logging.Abstractions;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Yamux;

/// <summary>A real session facing a hand-driven peer that sends crafted, abusive or broken frames.</summary>
public class YamuxProtocolViolationTests
{
    private const int Window = YamuxReceiveWindow.SpecInitialWindow;
    private static readonly TimeSpan Timeout = YamuxTestTimeouts.Event;

    [Test]
    public async Task DataBeyondTheGrantedWindow_EndsTheSessionWithProtocolErrorGoAway()
    {
        await using var peer = RawYamuxPeer.Create();
        await peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Syn, 1, 0);
        await peer.SendDataAsync(1, new byte[Window]); // exactly the window: fine, nobody reads it
        await peer.SendDataAsync(1, new byte[1]);      // one byte more than granted

        await AssertProtocolErrorAsync(peer, "window");
    }

    [Test]
    public async Task BadVersion_EndsTheSessionWithProtocolError()
    {
        await using var peer = RawYamuxPeer.Create();
        await peer.SendRawAsync([1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]);

        await AssertProtocolErrorAsync(peer, "version");
    }

    [Test]
    public async Task UnknownFrameType_EndsTheSessionWithProtocolError()
    {
        await using var peer = RawYamuxPeer.Create();
        await peer.SendRawAsync([0, 7, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);

        await AssertProtocolErrorAsync(peer, "type");
    }

    [Test]
    public async Task OversizedDataFrame_IsRejectedFromItsHeaderAlone()
    {
        await using var peer = RawYamuxPeer.Create();
        // Claims 4 GiB for a stream nobody knows; the payload never follows, the session must not wait for or buffer it.
        await peer.SendAsync(YamuxFrameType.Data, YamuxFrameFlags.None, 5, uint.MaxValue);

        await AssertProtocolErrorAsync(peer, "exceeds");
    }

    [Test]
    public async Task OversizedDataFrameOnANewStream_IsAWindowViolation()
    {
        await using var peer = RawYamuxPeer.Create();
        await peer.SendAsync(YamuxFrameType.Data, YamuxFrameFlags.Syn, 1, Window + 1);

        await AssertProtocolErrorAsync(peer, "window");
    }

    [Test]
    public async Task TruncatedFrame_EndsTheSessionWithATransportReason()
    {
        await using var peer = RawYamuxPeer.Create();
        await peer.SendRawAsync([0, 0, 0, 1, 0, 0]);
        peer.CloseTransport();

        var error = Assert.ThrowsAsync<YamuxException>(async () => await peer.Session.Completion.WaitAsync(Timeout));
        Assert.That(error, Is.Not.InstanceOf<YamuxProtocolException>());
        Assert.That(error!.Message, Does.Contain("mid-frame"));
        Assert.That(peer.Session.IsClosed, Is.True);
    }

    [Test]
    public async Task TruncatedPayload_EndsTheSessionWithATransportReason()
    {
        await using var peer = RawYamuxPeer.Create();
        await peer.SendAsync(YamuxFrameType.Data, YamuxFrameFlags.Syn, 1, 100);
        await peer.SendRawAsync(new byte[40]);
        peer.CloseTransport();

        var error = Assert.ThrowsAsync<YamuxException>(async () => await peer.Session.Completion.WaitAsync(Timeout));
        Assert.That(error!.Message, Does.Contain("mid-frame"));
    }

    [Test]
    public async Task RandomGarbage_EndsTheSessionWithAReason()
    {
        await using var peer = RawYamuxPeer.Create();
        var garbage = new byte[64 * 1024];
        new Random(1234).NextBytes(garbage);
        garbage[0] = 0; // valid version, so the session gets past the first byte before choking
        await peer.SendRawAsync(garbage);

        var error = Assert.ThrowsAsync<YamuxProtocolException>(async () => await peer.Session.Completion.WaitAsync(Timeout));
        Assert.That(error!.Message, Is.Not.Empty);
    }

    [Test]
    public async Task SessionFailure_NobodyObserves_RaisesNoUnobservedTaskException()
    {
        var unobserved = new List<AggregateException>();
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            lock (unobserved)
                unobserved.Add(e.Exception);
        }
        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            await RunSessionThatFailsUnobservedAsync();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();

            lock (unobserved)
                Assert.That(unobserved.Where(e => e.Flatten().InnerExceptions.Any(i => i is YamuxException)), Is.Empty);
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }

        static async Task RunSessionThatFailsUnobservedAsync()
        {
            var (sessionEnd, peerEnd) = DuplexPipe.Create();
            var session = new YamuxSession(sessionEnd, isInitiator: false, new YamuxOptions(), NullLogger.Instance);
            await peerEnd.WriteAsync(new byte[] { 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9 });
            // IsCompleted does not observe the fault, unlike awaiting Completion.
            await YamuxTestTimeouts.WaitUntilAsync(() => session.Completion.IsCompleted, "the session has ended");
            Assert.That(session.Completion.IsFaulted, Is.True);
            await peerEnd.DisposeAsync();
        }
    }

    [Test]
    public async Task UnacknowledgedInboundStreamLimit_TheNextSynIsReset()
    {
        await using var peer = RawYamuxPeer.Create();
        for (uint i = 0; i < 257; i++)
            await peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Syn, 2 * i + 1, 0);

        // Nothing is ACKed while unaccepted, so the first reply is the RST for the 257th stream (id 513).
        var refusal = await peer.ReadNextNonPingAsync();
        Assert.That(refusal, Is.EqualTo(new YamuxFrameHeader(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Rst, 513, 0)));
        Assert.That(peer.Session.StreamCount, Is.EqualTo(256));

        // Accepting one acknowledges it, which frees a backlog slot for the next SYN.
        var accepted = await peer.Session.AcceptStreamAsync().AsTask().WaitAsync(Timeout);
        Assert.That(accepted.Id, Is.EqualTo(1u));
        var ack = await peer.ReadNextNonPingAsync();
        Assert.That(ack, Is.EqualTo(new YamuxFrameHeader(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Ack, 1, 0)));
        await peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Syn, 515, 0);
        await peer.SendAsync(YamuxFrameType.Ping, YamuxFrameFlags.Syn, 0, 77);
        Assert.That(await peer.ReadNextNonPingAsync(), Is.EqualTo(new YamuxFrameHeader(YamuxFrameType.Ping, YamuxFrameFlags.Ack, 0, 77)),
            "stream 515 was taken, not refused");
        Assert.That(peer.Session.StreamCount, Is.EqualTo(257));
    }

    [Test]
    public async Task MaxStreams_RefusesInboundSynsBeyondIt()
    {
        await using var peer = RawYamuxPeer.Create(new YamuxOptions { MaxStreams = 2, KeepAliveInterval = TimeSpan.Zero });
        await peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Syn, 1, 0);
        await peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Syn, 3, 0);
        await peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Syn, 5, 0);

        Assert.That(await peer.ReadNextNonPingAsync(), Is.EqualTo(new YamuxFrameHeader(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Rst, 5, 0)));
        Assert.That(peer.Session.StreamCount, Is.EqualTo(2));
    }

    [Test]
    public async Task SynWithThisSidesParity_IsAProtocolError()
    {
        await using var peer = RawYamuxPeer.Create(); // session is the listener: even ids are its own
        await peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Syn, 2, 0);

        await AssertProtocolErrorAsync(peer, "parity");
    }

    [Test]
    public async Task SynForAnOpenStream_IsAProtocolError()
    {
        await using var peer = RawYamuxPeer.Create();
        await peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Syn, 1, 0);
        await peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Syn, 1, 0);

        await AssertProtocolErrorAsync(peer, "already open");
    }

    [Test]
    public async Task DataAfterFin_IsAProtocolError()
    {
        await using var peer = RawYamuxPeer.Create();
        await peer.SendDataAsync(1, "hello"u8, YamuxFrameFlags.Syn | YamuxFrameFlags.Fin);
        await peer.SendDataAsync(1, "more"u8);

        await AssertProtocolErrorAsync(peer, "after its FIN");
    }

    [Test]
    public async Task StreamFrameOnStreamZero_IsAProtocolError()
    {
        await using var peer = RawYamuxPeer.Create();
        await peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFrameFlags.None, 0, 10);

        await AssertProtocolErrorAsync(peer, "stream 0");
    }

    [Test]
    public async Task FramesForUnknownStreams_AreSkippedAndTheSessionStaysUsable()
    {
        await using var peer = RawYamuxPeer.Create();
        await peer.SendDataAsync(41, new byte[1000]);
        await peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFrameFlags.None, 43, 1000);
        await peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Rst, 45, 0);
        await peer.SendAsync(YamuxFrameType.Ping, YamuxFrameFlags.Syn, 0, 0xC0FFEE);

        Assert.That(await peer.ReadNextNonPingAsync(), Is.EqualTo(new YamuxFrameHeader(YamuxFrameType.Ping, YamuxFrameFlags.Ack, 0, 0xC0FFEE)));
        Assert.That(peer.Session.IsClosed, Is.False);
        Assert.That(peer.Session.StreamCount, Is.Zero);
    }

    [Test]
    public async Task InboundStream_DeliversDataSentWithTheSynAndFinAfterAccept()
    {
        await using var peer = RawYamuxPeer.Create();
        await peer.SendDataAsync(1, "early"u8, YamuxFrameFlags.Syn);
        await peer.SendDataAsync(1, " bird"u8, YamuxFrameFlags.Fin);

        var stream = await peer.Session.AcceptStreamAsync().AsTask().WaitAsync(Timeout);

        Assert.That(await YamuxSessionTests.ReadToEndAsync(stream), Is.EqualTo("early bird"u8.ToArray()));
        Assert.That(stream.State, Is.EqualTo(YamuxStreamState.RemoteClose));
    }

    [Test]
    public async Task WindowSizedDataFrame_IsDeliveredIntactAcrossReceiveSegments()
    {
        // go-yamux may send one frame as large as the whole window; the session slices it internally.
        await using var peer = RawYamuxPeer.Create();
        var payload = YamuxSessionTests.Pattern(3, Window);
        await peer.SendDataAsync(1, payload, YamuxFrameFlags.Syn | YamuxFrameFlags.Fin);

        var stream = await peer.Session.AcceptStreamAsync().AsTask().WaitAsync(Timeout);

        var received = await YamuxSessionTests.ReadToEndAsync(stream);
        Assert.That(received.AsSpan().SequenceEqual(payload), Is.True);
        Assert.That(peer.Session.IsClosed, Is.False);
    }

    [Test]
    public async Task LocalGoAway_RefusesNewInboundStreams()
    {
        await using var peer = RawYamuxPeer.Create();
        await peer.Session.GoAwayAsync().WaitAsync(Timeout);
        Assert.That(await peer.ReadNextNonPingAsync(), Is.EqualTo(new YamuxFrameHeader(YamuxFrameType.GoAway, YamuxFrameFlags.None, 0, 0)));

        await peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Syn, 1, 0);

        Assert.That(await peer.ReadNextNonPingAsync(), Is.EqualTo(new YamuxFrameHeader(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Rst, 1, 0)));
        Assert.ThrowsAsync<YamuxGoAwayException>(async () => await peer.Session.AcceptStreamAsync().AsTask().WaitAsync(Timeout));
    }

    [Test]
    public async Task ErrorGoAwayFromPeer_EndsTheSessionAndFailsStreams()
    {
        await using var peer = RawYamuxPeer.Create();
        await peer.SendDataAsync(1, "x"u8, YamuxFrameFlags.Syn);
        var stream = await peer.Session.AcceptStreamAsync().AsTask().WaitAsync(Timeout);
        await YamuxSessionTests.ReadExactlyAsync(stream, 1);

        await peer.SendAsync(YamuxFrameType.GoAway, YamuxFrameFlags.None, 0, (uint)YamuxGoAwayCode.InternalError);

        var error = Assert.ThrowsAsync<YamuxGoAwayException>(async () => await peer.Session.Completion.WaitAsync(Timeout));
        Assert.That(error!.Code, Is.EqualTo(YamuxGoAwayCode.InternalError));
        Assert.That(error.IsRemote, Is.True);
        Assert.ThrowsAsync<YamuxException>(async () => await stream.ReadAsync(new byte[1]).AsTask().WaitAsync(Timeout));
    }

    // The session must answer with GoAway(ProtocolError), close the transport, and fault Completion with the reason.
    private static async Task AssertProtocolErrorAsync(RawYamuxPeer peer, string reasonFragment)
    {
        var error = Assert.ThrowsAsync<YamuxProtocolException>(async () => await peer.Session.Completion.WaitAsync(Timeout));
        Assert.That(error!.Message, Does.Contain(reasonFragment));
        Assert.That(peer.Session.IsClosed, Is.True);

        var frames = await peer.ReadToEndAsync();
        Assert.That(frames, Does.Contain(new YamuxFrameHeader(YamuxFrameType.GoAway, YamuxFrameFlags.None, 0, (uint)YamuxGoAwayCode.ProtocolError)));
    }
}
