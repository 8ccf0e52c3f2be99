using System.IO.Pipelines;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Resources;
using Cerebrum.Core.PubSub;
using Cerebrum.Core.PubSub.Proto;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;

namespace Cerebrum.Tests.PubSub;

/// <summary>The router edge over in-memory streams: real writer loops, readers, validation workers and heartbeats.</summary>
public sealed class GossipRouterTests
{
    private const string Topic = "router";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly GossipsubOptions FastOptions = new() { HeartbeatInterval = TimeSpan.FromMilliseconds(50) };

    private List<Task> _readers = null!;
    private List<GossipRouter> _routers = null!;
    private CancellationTokenSource _stop = null!;

    [SetUp]
    public void SetUp()
    {
        _readers = [];
        _routers = [];
        _stop = new CancellationTokenSource();
    }

    [TearDown]
    public async Task TearDown()
    {
        await _stop.CancelAsync();
        foreach (var router in _routers) await router.DisposeAsync();
        await Task.WhenAll(_readers).WaitAsync(Timeout);
        _stop.Dispose();
    }

    private GossipRouter NewRouter(GossipsubOptions? options = null)
    {
        var router = new GossipRouter(PrivateKey.Generate(KeyType.Ed25519), options ?? FastOptions, random: new Random(1));
        router.Start();
        _routers.Add(router);
        return router;
    }

    /// <summary>Joins two routers with one unidirectional stream each way, as gossipsub uses them.</summary>
    private void Link(GossipRouter dialer, GossipRouter listener)
    {
        var forward = new Pipe();
        var backward = new Pipe();
        Assert.That(dialer.AttachOutboundStream(listener.LocalPeer, GossipsubVersion.V1_2, true, forward.Writer.AsStream()), Is.Not.Null);
        Assert.That(listener.AttachOutboundStream(dialer.LocalPeer, GossipsubVersion.V1_2, false, backward.Writer.AsStream()), Is.Not.Null);
        _readers.Add(listener.RunInboundStreamAsync(dialer.LocalPeer, GossipsubVersion.V1_2, false, forward.Reader.AsStream(), _stop.Token));
        _readers.Add(dialer.RunInboundStreamAsync(listener.LocalPeer, GossipsubVersion.V1_2, true, backward.Reader.AsStream(), _stop.Token));
    }

    private static async Task<PubSubMessage> NextAsync(Subscription subscription)
    {
        await using var e = subscription.Messages().GetAsyncEnumerator();
        Assert.That(await e.MoveNextAsync().AsTask().WaitAsync(Timeout), Is.True);
        return e.Current;
    }

    [Test]
    public async Task Two_routers_form_a_mesh_and_exchange_messages_both_ways()
    {
        var (a, b) = (NewRouter(), NewRouter());
        Link(a, b);
        var subA = await a.SubscribeAsync(Topic);
        var subB = await b.SubscribeAsync(Topic);
        await Poll.UntilAsync(() => a.GetMeshPeers(Topic).Contains(b.LocalPeer) && b.GetMeshPeers(Topic).Contains(a.LocalPeer), Timeout);

        await a.PublishAsync(Topic, "from a"u8.ToArray());
        var atB = await NextAsync(subB);
        Assert.That(atB.Data.ToArray(), Is.EqualTo("from a"u8.ToArray()));
        Assert.That(atB.From, Is.EqualTo(a.LocalPeer));

        await b.PublishAsync(Topic, "from b"u8.ToArray());
        Assert.That((await NextAsync(subA)).Data.ToArray(), Is.EqualTo("from b"u8.ToArray()));
        Assert.That(subA.TryRead(out _), Is.False, "own messages are not delivered back by default");
    }

    [Test]
    public async Task Messages_travel_along_a_line_of_three_routers()
    {
        var (a, b, c) = (NewRouter(), NewRouter(), NewRouter());
        Link(a, b);
        Link(b, c);
        foreach (var r in new[] { a, b }) await r.SubscribeAsync(Topic);
        var subC = await c.SubscribeAsync(Topic);
        await Poll.UntilAsync(() => b.GetMeshPeers(Topic).Count == 2, Timeout);

        await a.PublishAsync(Topic, "over two hops"u8.ToArray());
        var atC = await NextAsync(subC);
        Assert.That(atC.From, Is.EqualTo(a.LocalPeer));
        Assert.That(atC.ReceivedFrom, Is.EqualTo(b.LocalPeer));
    }

    [Test]
    public async Task A_rejecting_validator_stops_delivery_and_forwarding_and_costs_the_sender_score()
    {
        var (a, b, c) = (NewRouter(), NewRouter(), NewRouter());
        Link(a, b);
        Link(b, c);
        b.RegisterValidator(Topic, (m, _) => ValueTask.FromResult(m.Data.Span.SequenceEqual("bad"u8) ? ValidationResult.Reject : ValidationResult.Accept));
        await a.SubscribeAsync(Topic);
        var subB = await b.SubscribeAsync(Topic);
        var subC = await c.SubscribeAsync(Topic);
        await Poll.UntilAsync(() => b.GetMeshPeers(Topic).Count == 2, Timeout);

        await a.PublishAsync(Topic, "bad"u8.ToArray());
        await a.PublishAsync(Topic, "good"u8.ToArray());
        Assert.That((await NextAsync(subB)).Data.ToArray(), Is.EqualTo("good"u8.ToArray()), "the rejected message never surfaced");
        Assert.That((await NextAsync(subC)).Data.ToArray(), Is.EqualTo("good"u8.ToArray()), "nor was it forwarded");
        Assert.That(b.GetCounters().RejectedMessages, Is.EqualTo(1));
        Assert.That(b.GetScore(a.LocalPeer), Is.LessThan(0));
    }

    [Test]
    public async Task A_slow_subscriber_loses_messages_instead_of_growing_memory()
    {
        var options = FastOptions with { SubscriptionBufferCapacity = 4, DeliverOwnMessages = true };
        var a = NewRouter(options);
        var sub = await a.SubscribeAsync(Topic);
        for (var i = 0; i < 10; i++) await a.PublishAsync(Topic, BitConverter.GetBytes(i));
        Assert.That(sub.Dropped, Is.EqualTo(6));
        Assert.That(a.GetCounters().DroppedSubscriptionMessages, Is.EqualTo(6));
        Assert.That(BitConverter.ToInt32((await NextAsync(sub)).Data.Span), Is.Zero, "the oldest messages are kept");
    }

    [Test]
    public async Task A_peer_that_does_not_read_gets_rpcs_dropped_beyond_its_send_queue()
    {
        var options = FastOptions with { PeerSendQueueCapacity = 8 };
        var a = NewRouter(options);
        var silent = PrivateKey.Generate(KeyType.Ed25519).PeerId;
        var inbound = new Pipe();
        _readers.Add(a.RunInboundStreamAsync(silent, GossipsubVersion.V1_2, false, inbound.Reader.AsStream(), _stop.Token));
        var subscribe = new RPC { Subscriptions = { new SubOpts { Subscribe = true, Topicid = Topic } } };
        await LengthPrefixedMessage.WriteAsync(inbound.Writer.AsStream(), subscribe.ToByteArray(), CancellationToken.None);
        await Poll.UntilAsync(() => a.GetTopicPeers(Topic).Contains(silent), Timeout);

        // No outbound stream is ever attached for this peer, so nothing drains its queue.
        for (var i = 0; i < 20; i++) await a.PublishAsync(Topic, BitConverter.GetBytes(i));
        Assert.That(a.GetCounters().DroppedOutgoingRpcs, Is.EqualTo(12));
    }

    [Test]
    public async Task A_lost_outbound_stream_keeps_the_peer_and_its_replacement_announces_our_subscriptions_again()
    {
        var a = NewRouter();
        await a.SubscribeAsync(Topic);
        var peer = PrivateKey.Generate(KeyType.Ed25519).PeerId;
        var broken = new Pipe();
        broken.Reader.Complete(new IOException("reset by the test"));
        var writer = a.AttachOutboundStream(peer, GossipsubVersion.V1_2, true, broken.Writer.AsStream());
        Assert.That(await writer!.WaitAsync(Timeout), Is.EqualTo(OutboundStreamEnd.StreamLost), "writing our subscriptions failed");
        Assert.That(a.GetPeers(), Does.Contain(peer), "the peer waits for a replacement stream");

        var replacement = new Pipe();
        writer = a.AttachOutboundStream(peer, GossipsubVersion.V1_2, true, replacement.Writer.AsStream());
        Assert.That(writer, Is.Not.Null);
        Assert.That(a.AttachOutboundStream(peer, GossipsubVersion.V1_2, true, new Pipe().Writer.AsStream()), Is.Null, "one writer per peer");
        var rpc = await RpcFrame.ReadAsync(replacement.Reader.AsStream(), FastOptions.MaxRpcSize, new byte[1], CancellationToken.None).AsTask().WaitAsync(Timeout);
        Assert.That(rpc!.Subscriptions.Select(s => (s.Topicid, s.Subscribe)), Does.Contain((Topic, true)));

        a.RemovePeer(peer);
        Assert.That(await writer!.WaitAsync(Timeout), Is.EqualTo(OutboundStreamEnd.PeerRemoved));
        Assert.That(a.GetPeers(), Does.Not.Contain(peer));
    }

    /// <summary>
    /// A peer that stops reading: the writer blocks on its stream, and the RPCs queued behind it are reserved in the
    /// stream's resource scope until written, so they stop (dropped and counted) at the scope's limit, far below what the
    /// send queue would hold; reading again releases everything.
    /// </summary>
    [Test]
    public async Task A_slow_reader_holds_no_more_of_our_memory_than_its_stream_scope_allows()
    {
        var a = NewRouter(FastOptions with { PeerSendQueueCapacity = 1024 });
        var slow = PrivateKey.Generate(KeyType.Ed25519).PeerId;
        var inbound = new Pipe();
        _readers.Add(a.RunInboundStreamAsync(slow, GossipsubVersion.V1_2, false, inbound.Reader.AsStream(), _stop.Token));
        var subscribe = new RPC { Subscriptions = { new SubOpts { Subscribe = true, Topicid = Topic } } };
        await LengthPrefixedMessage.WriteAsync(inbound.Writer.AsStream(), subscribe.ToByteArray(), CancellationToken.None);
        await Poll.UntilAsync(() => a.GetTopicPeers(Topic).Contains(slow), Timeout);

        // The stream takes 1 KiB before its writer waits: the reader is not reading.
        var outbound = new Pipe(new PipeOptions(pauseWriterThreshold: 1024, resumeWriterThreshold: 512));
        var scope = new LimitedScope(256 * 1024);
        Assert.That(a.AttachOutboundStream(slow, GossipsubVersion.V1_2, false, outbound.Writer.AsStream(), memory: scope), Is.Not.Null);
        for (var i = 0; i < 64; i++)
        {
            var payload = new byte[16 * 1024];
            BitConverter.TryWriteBytes(payload, i);
            await a.PublishAsync(Topic, payload);
        }
        Assert.That(scope.Peak, Is.LessThanOrEqualTo(256 * 1024));
        Assert.That(scope.Reserved, Is.GreaterThan(200 * 1024), "the scope is (nearly) full");
        Assert.That(a.GetCounters().DroppedOutgoingRpcs, Is.GreaterThanOrEqualTo(64 - 256 / 16), "the rest was dropped: 64 x 16 KiB would not fit");

        // The peer reads again: every reservation is given back as its frame is written.
        var reader = outbound.Reader.AsStream();
        var drain = Task.Run(async () =>
        {
            try
            {
                while (await RpcFrame.ReadAsync(reader, FastOptions.MaxRpcSize, new byte[1], _stop.Token) is not null)
                {
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        _readers.Add(drain);
        await Poll.UntilAsync(() => scope.Reserved == 0, Timeout);
        await a.PublishAsync(Topic, "after the drain"u8.ToArray());
        Assert.That(scope.Peak, Is.LessThanOrEqualTo(256 * 1024));
    }

    /// <summary>A resource scope with a memory limit that counts what is reserved in it.</summary>
    private sealed class LimitedScope(long limit) : IResourceScope
    {
        private readonly object _gate = new();
        private long _reserved;
        private long _peak;

        public long Reserved
        {
            get { lock (_gate) return _reserved; }
        }

        public long Peak
        {
            get { lock (_gate) return _peak; }
        }

        public bool ReserveMemory(long bytes, ReservationPriority priority)
        {
            lock (_gate)
            {
                if (_reserved + bytes > limit) return false;
                _reserved += bytes;
                _peak = Math.Max(_peak, _reserved);
                return true;
            }
        }

        public void ReleaseMemory(long bytes)
        {
            lock (_gate) _reserved -= bytes;
        }
    }

    [Test]
    public async Task Oversized_or_undecodable_frames_end_the_inbound_stream()
    {
        var a = NewRouter(FastOptions with { MaxRpcSize = 1024 });
        var peer = PrivateKey.Generate(KeyType.Ed25519).PeerId;

        var oversized = new Pipe();
        var reader = a.RunInboundStreamAsync(peer, GossipsubVersion.V1_2, false, oversized.Reader.AsStream(), _stop.Token);
        await LengthPrefixedMessage.WriteAsync(oversized.Writer.AsStream(), new byte[2048], CancellationToken.None);
        await reader.WaitAsync(Timeout);

        var garbage = new Pipe();
        reader = a.RunInboundStreamAsync(peer, GossipsubVersion.V1_2, false, garbage.Reader.AsStream(), _stop.Token);
        await LengthPrefixedMessage.WriteAsync(garbage.Writer.AsStream(), new byte[] { 0xff, 0xff, 0xff }, CancellationToken.None);
        await reader.WaitAsync(Timeout);
        Assert.That(reader.IsCompletedSuccessfully, Is.True);
    }

    [Test]
    public async Task Unsubscribing_the_last_subscription_leaves_the_topic()
    {
        var (a, b) = (NewRouter(), NewRouter());
        Link(a, b);
        var first = await a.SubscribeAsync(Topic);
        var second = await a.SubscribeAsync(Topic);
        await b.SubscribeAsync(Topic);
        await Poll.UntilAsync(() => b.GetMeshPeers(Topic).Contains(a.LocalPeer), Timeout);
        first.Dispose();
        Assert.That(a.GetMeshPeers(Topic), Has.Member(b.LocalPeer), "one subscription remains");
        second.Dispose();
        await Poll.UntilAsync(() => !b.GetTopicPeers(Topic).Contains(a.LocalPeer), Timeout);
        Assert.That(b.GetMeshPeers(Topic), Has.No.Member(a.LocalPeer));
    }

    [Test]
    public async Task A_full_validation_queue_throttles_messages_without_penalty_and_without_blocking()
    {
        var a = NewRouter();
        var b = NewRouter(FastOptions with { ValidationQueueCapacity = 2, ValidationConcurrency = 1 });
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        b.RegisterValidator(Topic, async (_, ct) =>
        {
            started.TrySetResult();
            await release.Task.WaitAsync(ct);
            return ValidationResult.Accept;
        });
        Link(a, b);
        await a.SubscribeAsync(Topic);
        var sub = await b.SubscribeAsync(Topic);
        await Poll.UntilAsync(() => a.GetTopicPeers(Topic).Contains(b.LocalPeer), Timeout);

        await a.PublishAsync(Topic, "first"u8.ToArray());
        await started.Task.WaitAsync(Timeout); // the single worker is now busy
        for (var i = 0; i < 9; i++) await a.PublishAsync(Topic, BitConverter.GetBytes(i));
        await Poll.UntilAsync(() => b.GetCounters().MessagesReceived == 10, Timeout);

        var counters = b.GetCounters();
        Assert.That(counters.ThrottledValidations, Is.EqualTo(7), "1 validating + 2 queued, the other 7 dropped");
        Assert.That(b.GetScore(a.LocalPeer), Is.GreaterThanOrEqualTo(0), "throttling is not the sender's fault");

        release.SetResult();
        var delivered = new List<PubSubMessage>();
        using var deadline = new CancellationTokenSource(Timeout);
        await foreach (var message in sub.Messages(deadline.Token))
        {
            delivered.Add(message);
            if (delivered.Count == 3) break;
        }
        Assert.That(delivered[0].Data.ToArray(), Is.EqualTo("first"u8.ToArray()));
    }

    [Test]
    public async Task Own_messages_are_validated_before_publishing()
    {
        var (a, b) = (NewRouter(), NewRouter());
        Link(a, b);
        a.RegisterValidator(Topic, (m, _) => ValueTask.FromResult(m.Data.Length > 3 ? ValidationResult.Reject : ValidationResult.Accept));
        await a.SubscribeAsync(Topic);
        var subB = await b.SubscribeAsync(Topic);
        await Poll.UntilAsync(() => a.GetTopicPeers(Topic).Contains(b.LocalPeer), Timeout);

        Assert.ThrowsAsync<InvalidOperationException>(async () => await a.PublishAsync(Topic, "too long"u8.ToArray()));
        await a.PublishAsync(Topic, "ok"u8.ToArray());
        Assert.That((await NextAsync(subB)).Data.ToArray(), Is.EqualTo("ok"u8.ToArray()), "the rejected message never left");
    }
}
