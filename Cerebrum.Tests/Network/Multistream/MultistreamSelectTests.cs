using Cerebrum.Tests.TestSupport;
using Cerebrum.Core.Network.Multistream;

namespace Cerebrum.Tests.Network.Multistream;

public class MultistreamSelectTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private DuplexPipe _pipe = null!;
    private CancellationTokenSource _cts = null!;

    private CancellationToken Ct => _cts.Token;

    [SetUp]
    public void SetUp()
    {
        _pipe = new DuplexPipe();
        _cts = new CancellationTokenSource(Timeout);
    }

    [TearDown]
    public async Task TearDown()
    {
        await _pipe.DisposeAsync();
        _cts.Dispose();
    }

    [Test]
    public async Task Select_FirstProposalAccepted()
    {
        var dialer = MultistreamSelect.SelectAsync(_pipe.A, ["/noise"], Ct);
        var listener = MultistreamSelect.HandleAsync(_pipe.B, p => p == "/noise", null, Ct);

        Assert.That(await dialer.WaitAsync(Timeout), Is.EqualTo("/noise"));
        Assert.That(await listener.WaitAsync(Timeout), Is.EqualTo("/noise"));
    }

    [Test]
    public async Task SelectLazy_SendsItsFirstBytesBehindTheProposalAndChecksTheAnswerOnFirstRead()
    {
        var dialer = MultistreamSelect.SelectLazy(_pipe.A, "/noise");
        await dialer.WriteAsync("hello"u8.ToArray(), Ct);

        var agreed = await MultistreamSelect.HandleAsync(_pipe.B, p => p == "/noise", null, Ct).WaitAsync(Timeout);
        var pipelined = new byte[5];
        await _pipe.B.ReadExactlyAsync(pipelined, Ct).AsTask().WaitAsync(Timeout);
        await _pipe.B.WriteAsync("world"u8.ToArray(), Ct);
        var reply = new byte[5];
        await dialer.ReadExactlyAsync(reply, Ct).AsTask().WaitAsync(Timeout);

        Assert.That(agreed, Is.EqualTo("/noise"));
        Assert.That(pipelined, Is.EqualTo("hello"u8.ToArray()));
        Assert.That(reply, Is.EqualTo("world"u8.ToArray()), "the listener's header and echo are consumed before the application's bytes");
    }

    [Test]
    public async Task SelectLazy_RefusalSurfacesOnTheFirstRead()
    {
        var dialer = MultistreamSelect.SelectLazy(_pipe.A, "/noise");
        await dialer.WriteAsync(new byte[] { 0 }, Ct);
        var listener = MultistreamSelect.HandleAsync(_pipe.B, _ => false, null, Ct);

        var e = Assert.ThrowsAsync<ProtocolNotSupportedException>(async () => await dialer.ReadAsync(new byte[8], Ct).AsTask().WaitAsync(Timeout));

        Assert.That(e!.Protocols, Is.EqualTo(new[] { "/noise" }));
        await _pipe.A.DisposeAsync();
        Assert.That(async () => await listener.WaitAsync(Timeout), Throws.InstanceOf<Exception>());
    }

    [Test]
    public async Task SelectLazy_AReadBeforeAnyWriteSendsTheProposalAlone()
    {
        // A protocol whose listener speaks first: the dialer's first call is a read, and the listener says nothing
        // until it has a proposal, so the read must send it.
        var recorder = new RecordingStream(_pipe.A);
        var dialer = MultistreamSelect.SelectLazy(recorder, "/greeting/1");
        var reading = dialer.ReadAsync(new byte[5], Ct).AsTask();

        var agreed = await MultistreamSelect.HandleAsync(_pipe.B, p => p == "/greeting/1", null, Ct).WaitAsync(Timeout);
        await _pipe.B.WriteAsync("hello"u8.ToArray(), Ct);
        var read = await reading.WaitAsync(Timeout);
        await dialer.WriteAsync("later"u8.ToArray(), Ct);
        var after = new byte[5];
        await _pipe.B.ReadExactlyAsync(after, Ct).AsTask().WaitAsync(Timeout);

        Assert.That(agreed, Is.EqualTo("/greeting/1"));
        Assert.That(read, Is.GreaterThan(0));
        Assert.That(after, Is.EqualTo("later"u8.ToArray()), "a later write carries only its own bytes");
        var proposal = "write:" + Convert.ToHexStringLower(MultistreamMessage.Encode(MultistreamSelect.ProtocolId, "/greeting/1"));
        Assert.That(recorder.Log, Is.EqualTo(new[] { proposal, "flush", "write:" + Convert.ToHexStringLower("later"u8) }));
    }

    [Test]
    public async Task SelectLazy_RefusalIsRememberedAndReportedOnce()
    {
        var failures = 0;
        var dialer = new LazySelectStream(_pipe.A, "/absent/1", () => failures++);
        await dialer.WriteAsync("request"u8.ToArray(), Ct);
        var listener = MultistreamSelect.HandleAsync(_pipe.B, _ => false, null, Ct);

        var first = Assert.ThrowsAsync<ProtocolNotSupportedException>(async () => await dialer.ReadAsync(new byte[8], Ct).AsTask().WaitAsync(Timeout));
        var second = Assert.ThrowsAsync<ProtocolNotSupportedException>(async () => await dialer.ReadAsync(new byte[8], Ct).AsTask().WaitAsync(Timeout));

        Assert.That(first!.Protocols, Is.EqualTo(new[] { "/absent/1" }));
        Assert.That(second, Is.SameAs(first), "later reads do not parse the listener's next bytes as application data");
        Assert.That(failures, Is.EqualTo(1));
        await _pipe.A.DisposeAsync();
        Assert.That(async () => await listener.WaitAsync(Timeout), Throws.InstanceOf<Exception>(), "the listener read the request as a bad proposal");
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task SelectLazy_AStreamEndingBeforeTheAnswerIsARefusalOnlyWhenAskedFor(bool endIsRefusal)
    {
        var dialer = new LazySelectStream(_pipe.A, "/gone/1", endBeforeAnswerIsRefusal: endIsRefusal);
        await dialer.WriteAsync("request"u8.ToArray(), Ct);
        await _pipe.B.DisposeAsync();

        var e = Assert.CatchAsync(async () => await dialer.ReadAsync(new byte[8], Ct).AsTask().WaitAsync(Timeout));

        if (endIsRefusal)
        {
            Assert.That(e, Is.InstanceOf<ProtocolNotSupportedException>());
            Assert.That(((ProtocolNotSupportedException)e!).Protocols, Is.EqualTo(new[] { "/gone/1" }));
            Assert.That(e!.Message, Does.Contain("/gone/1"));
            Assert.That(e.InnerException, Is.InstanceOf<EndOfStreamException>());
        }
        else
        {
            // The /noise upgrade keeps the plain end-of-stream.
            Assert.That(e, Is.InstanceOf<EndOfStreamException>());
        }
    }

    [Test]
    public async Task SelectLazy_SendProposalAsyncSendsItOnceWithoutApplicationBytes()
    {
        var recorder = new RecordingStream(_pipe.A);
        var dialer = new LazySelectStream(recorder, "/quiet/1");

        await dialer.SendProposalAsync(Ct);
        await dialer.SendProposalAsync(Ct);
        var agreed = await MultistreamSelect.HandleAsync(_pipe.B, p => p == "/quiet/1", null, Ct).WaitAsync(Timeout);

        Assert.That(agreed, Is.EqualTo("/quiet/1"));
        Assert.That(dialer.ProposalSent, Is.True);
        var proposal = "write:" + Convert.ToHexStringLower(MultistreamMessage.Encode(MultistreamSelect.ProtocolId, "/quiet/1"));
        Assert.That(recorder.Log, Is.EqualTo(new[] { proposal, "flush" }));
    }

    [Test]
    public async Task Select_AcceptedAfterOneNa()
    {
        var seen = new List<string>();
        var dialer = MultistreamSelect.SelectAsync(_pipe.A, ["/tls/1.0.0", "/noise"], Ct);
        var listener = MultistreamSelect.HandleAsync(_pipe.B, p => { seen.Add(p); return p == "/noise"; }, null, Ct);

        Assert.That(await dialer.WaitAsync(Timeout), Is.EqualTo("/noise"));
        Assert.That(await listener.WaitAsync(Timeout), Is.EqualTo("/noise"));
        Assert.That(seen, Is.EqualTo(new[] { "/tls/1.0.0", "/noise" }));
    }

    [Test]
    public async Task Select_AllNaThrowsProtocolNotSupportedListingTheProtocols()
    {
        var dialer = MultistreamSelect.SelectAsync(_pipe.A, ["/a/1", "/b/1"], Ct);
        var listener = MultistreamSelect.HandleAsync(_pipe.B, _ => false, null, Ct);

        var e = Assert.ThrowsAsync<ProtocolNotSupportedException>(async () => await dialer.WaitAsync(Timeout));
        Assert.That(e!.Protocols, Is.EqualTo(new[] { "/a/1", "/b/1" }));
        Assert.That(e.Message, Does.Contain("/a/1").And.Contain("/b/1"));

        // The dialer gives up; closing its end makes the listener fail instead of hanging.
        await _pipe.A.DisposeAsync();
        Assert.ThrowsAsync<EndOfStreamException>(async () => await listener.WaitAsync(Timeout));
    }

    [Test]
    public async Task Select_SendsHeaderAndFirstProposalInOneFlushedWrite()
    {
        var recorder = new RecordingStream(_pipe.A);
        var dialer = MultistreamSelect.SelectAsync(recorder, ["/tls/1.0.0", "/noise"], Ct);
        var listener = MultistreamSelect.HandleAsync(_pipe.B, p => p == "/noise", null, Ct);
        await Task.WhenAll(dialer, listener).WaitAsync(Timeout);

        var first = "write:" + Convert.ToHexStringLower(MultistreamMessage.Encode(MultistreamSelect.ProtocolId, "/tls/1.0.0"));
        var second = "write:" + Convert.ToHexStringLower(MultistreamMessage.Encode("/noise"));
        Assert.That(recorder.Log, Is.EqualTo(new[] { first, "flush", second, "flush" }));
    }

    [Test]
    public async Task Handle_AnswersWithFlushedWrites()
    {
        var recorder = new RecordingStream(_pipe.B);
        var dialer = MultistreamSelect.SelectAsync(_pipe.A, ["/tls/1.0.0", "/noise"], Ct);
        var listener = MultistreamSelect.HandleAsync(recorder, p => p == "/noise", null, Ct);
        await Task.WhenAll(dialer, listener).WaitAsync(Timeout);

        string[] expected =
        [
            "write:" + Convert.ToHexStringLower(MultistreamMessage.Encode(MultistreamSelect.ProtocolId)), "flush",
            "write:" + Convert.ToHexStringLower(MultistreamMessage.Encode("na")), "flush",
            "write:" + Convert.ToHexStringLower(MultistreamMessage.Encode("/noise")), "flush",
        ];
        Assert.That(recorder.Log, Is.EqualTo(expected));
    }

    [Test]
    public async Task Select_PipelinedDataAfterTheListenersAnswerIsLeftInTheStream()
    {
        // The listener answers and immediately sends protocol bytes, all in one chunk that is already buffered
        // when the dialer starts reading.
        var app = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        var listenerBytes = MultistreamMessage.Encode(MultistreamSelect.ProtocolId, "na", "/yamux/1.0.0").Concat(app).ToArray();
        await _pipe.B.WriteAsync(listenerBytes, Ct);
        await _pipe.B.FlushAsync(Ct);

        Assert.That(await MultistreamSelect.SelectAsync(_pipe.A, ["/mplex/6.7.0", "/yamux/1.0.0"], Ct).WaitAsync(Timeout), Is.EqualTo("/yamux/1.0.0"));

        var rest = new byte[app.Length];
        await _pipe.A.ReadExactlyAsync(rest, Ct).AsTask().WaitAsync(Timeout);
        Assert.That(rest, Is.EqualTo(app));
    }

    [Test]
    public async Task Handle_PipelinedDataAfterTheProposalIsLeftInTheStream()
    {
        // js-libp2p style: header, proposal and the first protocol bytes in a single write.
        var app = "\x00\x20noise handshake message 1 bytes"u8.ToArray();
        var dialerBytes = MultistreamMessage.Encode(MultistreamSelect.ProtocolId, "/noise").Concat(app).ToArray();
        await _pipe.A.WriteAsync(dialerBytes, Ct);
        await _pipe.A.FlushAsync(Ct);

        Assert.That(await MultistreamSelect.HandleAsync(_pipe.B, p => p == "/noise", null, Ct).WaitAsync(Timeout), Is.EqualTo("/noise"));

        var rest = new byte[app.Length];
        await _pipe.B.ReadExactlyAsync(rest, Ct).AsTask().WaitAsync(Timeout);
        Assert.That(rest, Is.EqualTo(app));

        // And the listener wrote exactly its header and the echo, nothing else.
        var expected = MultistreamMessage.Encode(MultistreamSelect.ProtocolId, "/noise");
        var answer = new byte[expected.Length];
        await _pipe.A.ReadExactlyAsync(answer, Ct).AsTask().WaitAsync(Timeout);
        Assert.That(answer, Is.EqualTo(expected));
    }

    [Test]
    public async Task BothSides_ApplicationDataRightAfterNegotiationSurvivesIntact()
    {
        var fromDialer = Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray();
        var fromListener = Enumerable.Range(0, 5000).Select(i => (byte)(i * 13)).ToArray();

        async Task<byte[]> Dial()
        {
            await MultistreamSelect.SelectAsync(_pipe.A, ["/x/1", "/y/1"], Ct);
            await _pipe.A.WriteAsync(fromDialer, Ct);
            await _pipe.A.FlushAsync(Ct);
            var received = new byte[fromListener.Length];
            await _pipe.A.ReadExactlyAsync(received, Ct);
            return received;
        }

        async Task<byte[]> Listen()
        {
            await MultistreamSelect.HandleAsync(_pipe.B, p => p == "/y/1", null, Ct);
            await _pipe.B.WriteAsync(fromListener, Ct);
            await _pipe.B.FlushAsync(Ct);
            var received = new byte[fromDialer.Length];
            await _pipe.B.ReadExactlyAsync(received, Ct);
            return received;
        }

        var results = await Task.WhenAll(Dial(), Listen()).WaitAsync(Timeout);
        Assert.That(results[0], Is.EqualTo(fromListener));
        Assert.That(results[1], Is.EqualTo(fromDialer));
    }

    [Test]
    public async Task Handle_AnswersLsWithTheListThenAcceptsAProposal()
    {
        var listener = MultistreamSelect.HandleAsync(_pipe.B, p => p is "/a/1" or "/bb/2", ["/a/1", "/bb/2"], Ct);

        await _pipe.A.WriteAsync(MultistreamMessage.Encode(MultistreamSelect.ProtocolId, "ls"), Ct);
        await _pipe.A.FlushAsync(Ct);

        // Header, then one message holding each protocol as an embedded message and a final '\n'
        // (multistream-select README, "ls example in detail").
        var expected = new List<byte> { 19 };
        expected.AddRange("/multistream/1.0.0\n"u8.ToArray());
        expected.Add(14); // (1 + 5) + (1 + 6) + 1
        expected.Add(5);
        expected.AddRange("/a/1\n"u8.ToArray());
        expected.Add(6);
        expected.AddRange("/bb/2\n"u8.ToArray());
        expected.Add((byte)'\n');
        var answer = new byte[expected.Count];
        await _pipe.A.ReadExactlyAsync(answer, Ct).AsTask().WaitAsync(Timeout);
        Assert.That(answer, Is.EqualTo(expected.ToArray()));
        Assert.That(listener.IsCompleted, Is.False);

        await _pipe.A.WriteAsync(MultistreamMessage.Encode("/bb/2"), Ct);
        await _pipe.A.FlushAsync(Ct);
        Assert.That(await listener.WaitAsync(Timeout), Is.EqualTo("/bb/2"));
    }

    [Test]
    public async Task Handle_AnswersLsWithNaWhenNothingIsListable()
    {
        var listener = MultistreamSelect.HandleAsync(_pipe.B, _ => true, null, Ct);
        await _pipe.A.WriteAsync(MultistreamMessage.Encode(MultistreamSelect.ProtocolId, "ls"), Ct);
        await _pipe.A.FlushAsync(Ct);

        var expected = MultistreamMessage.Encode(MultistreamSelect.ProtocolId, "na");
        var answer = new byte[expected.Length];
        await _pipe.A.ReadExactlyAsync(answer, Ct).AsTask().WaitAsync(Timeout);
        Assert.That(answer, Is.EqualTo(expected));
        Assert.That(listener.IsCompleted, Is.False);
    }

    [Test]
    public async Task Handle_OversizedMessageFromDialerIsRejected()
    {
        var listener = MultistreamSelect.HandleAsync(_pipe.B, _ => true, null, Ct);
        var big = MultistreamMessage.Encode(MultistreamSelect.ProtocolId, "/" + new string('p', 2000));
        await _pipe.A.WriteAsync(big, Ct);
        await _pipe.A.FlushAsync(Ct);

        var e = Assert.ThrowsAsync<MultistreamProtocolException>(async () => await listener.WaitAsync(Timeout));
        Assert.That(e!.Message, Does.Contain("exceeds the maximum of 1024"));
    }

    [Test]
    public async Task Select_OversizedMessageFromListenerIsRejected()
    {
        var dialer = MultistreamSelect.SelectAsync(_pipe.A, ["/noise"], Ct);
        await _pipe.B.WriteAsync(MultistreamMessage.Encode(MultistreamSelect.ProtocolId, new string('n', 5000)), Ct);
        await _pipe.B.FlushAsync(Ct);

        var e = Assert.ThrowsAsync<MultistreamProtocolException>(async () => await dialer.WaitAsync(Timeout));
        Assert.That(e!.Message, Does.Contain("exceeds the maximum of 1024"));
    }

    [Test]
    public async Task Select_WrongHeaderIsRejected()
    {
        var dialer = MultistreamSelect.SelectAsync(_pipe.A, ["/noise"], Ct);
        await _pipe.B.WriteAsync(MultistreamMessage.Encode("/multistream/2.0.0", "/noise"), Ct);
        await _pipe.B.FlushAsync(Ct);

        var e = Assert.ThrowsAsync<MultistreamProtocolException>(async () => await dialer.WaitAsync(Timeout));
        Assert.That(e!.Message, Does.Contain("/multistream/2.0.0"));
    }

    [Test]
    public async Task Handle_WrongHeaderIsRejected()
    {
        var listener = MultistreamSelect.HandleAsync(_pipe.B, _ => true, null, Ct);
        await _pipe.A.WriteAsync(MultistreamMessage.Encode("/noise"), Ct);
        await _pipe.A.FlushAsync(Ct);

        var e = Assert.ThrowsAsync<MultistreamProtocolException>(async () => await listener.WaitAsync(Timeout));
        Assert.That(e!.Message, Does.Contain("expected the header").And.Contain("/noise"));
    }

    [Test]
    public async Task Select_UnexpectedAnswerIsRejected()
    {
        var dialer = MultistreamSelect.SelectAsync(_pipe.A, ["/noise"], Ct);
        await _pipe.B.WriteAsync(MultistreamMessage.Encode(MultistreamSelect.ProtocolId, "/tls/1.0.0"), Ct);
        await _pipe.B.FlushAsync(Ct);

        var e = Assert.ThrowsAsync<MultistreamProtocolException>(async () => await dialer.WaitAsync(Timeout));
        Assert.That(e!.Message, Does.Contain("'/tls/1.0.0'").And.Contain("'/noise'"));
    }

    [Test]
    public async Task Select_PeerClosingMidNegotiationIsEndOfStream()
    {
        var dialer = MultistreamSelect.SelectAsync(_pipe.A, ["/noise"], Ct);
        var header = MultistreamMessage.Encode(MultistreamSelect.ProtocolId);
        // Header plus half of the next message, then the connection drops.
        await _pipe.B.WriteAsync(header.Concat(new byte[] { 0x07, (byte)'/', (byte)'n' }).ToArray(), Ct);
        await _pipe.B.DisposeAsync();

        Assert.ThrowsAsync<EndOfStreamException>(async () => await dialer.WaitAsync(Timeout));
    }

    [Test]
    public async Task Handle_CancellationStopsAWaitingListener()
    {
        using var cts = new CancellationTokenSource();
        var listener = MultistreamSelect.HandleAsync(_pipe.B, _ => true, null, cts.Token);
        await cts.CancelAsync();

        Assert.That(async () => await listener.WaitAsync(Timeout), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void Select_RejectsBadProposalsUpFront()
    {
        Assert.That(() => MultistreamSelect.SelectAsync(_pipe.A, [], Ct), Throws.ArgumentException);
        Assert.That(() => MultistreamSelect.SelectAsync(_pipe.A, [""], Ct), Throws.ArgumentException);
        Assert.That(() => MultistreamSelect.SelectAsync(_pipe.A, ["/a\n"], Ct), Throws.ArgumentException);
        Assert.That(() => MultistreamSelect.SelectAsync(_pipe.A, ["na"], Ct), Throws.ArgumentException);
        Assert.That(() => MultistreamSelect.SelectAsync(_pipe.A, ["/" + new string('a', 1023)], Ct),
            Throws.ArgumentException.With.Message.Contains("longer than peers accept"));
    }
}
