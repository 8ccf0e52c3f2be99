using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Cerebrum.Core.Common;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Resources;
using Cerebrum.Core.PubSub.Proto;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Core.PubSub;

/// <summary>
/// The gossipsub router: the public pubsub API and the thin I/O edge around <see cref="GossipsubCore"/>.
/// It serialises every core call behind one lock, and owns one writer per peer (with a bounded send queue),
/// the application validation workers (with a bounded queue), and the heartbeat loop. Streams come from the
/// network layer through <see cref="AttachOutboundStream"/> and <see cref="RunInboundStreamAsync"/>, so the
/// router itself knows nothing of connections or multiplexers.
/// </summary>
public sealed class GossipRouter : IAsyncDisposable
{
    private sealed class PeerLink(PeerId peer, Channel<RpcFrame> queue)
    {
        public readonly PeerId Peer = peer;
        public readonly Channel<RpcFrame> Queue = queue;
        public bool WriterAttached;
        public IResourceScope? Memory; // the attached stream's scope: queued frames are reserved in it
        public int Writers; // streams attached so far: any after the first replaces a lost one
        public int Pending; // RPCs queued or being written, for FlushAsync
    }

    private readonly object _gate = new();
    private readonly GossipsubCore _core;
    private readonly PrivateKey _identity;
    private readonly GossipsubOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BackgroundTasks _tasks;
    private readonly Dictionary<PeerId, PeerLink> _links = new(PeerIdComparer.Instance);
    private readonly Dictionary<string, List<Subscription>> _subscriptions = [];
    private readonly Dictionary<string, MessageValidator> _validators = [];
    private readonly Channel<PubSubMessage> _validationQueue;
    private readonly GossipRouterInstruments? _instruments;
    private int _started;
    private bool _disposed;

    public GossipRouter(
        PrivateKey identity,
        GossipsubOptions? options = null,
        PeerScoreParams? scoreParams = null,
        PeerScoreThresholds? thresholds = null,
        TimeProvider? time = null,
        ILogger? logger = null,
        Random? random = null,
        IMeterFactory? meterFactory = null)
    {
        _identity = identity;
        _options = options ?? new GossipsubOptions();
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _core = new GossipsubCore(identity, _options, scoreParams ?? new PeerScoreParams(),
            thresholds ?? new PeerScoreThresholds(), _time, random ?? new Random());
        _tasks = new BackgroundTasks(_logger);
        _validationQueue = Channel.CreateBounded<PubSubMessage>(new BoundedChannelOptions(_options.ValidationQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the message is throttled, not awaited
        });
        _instruments = GossipRouterInstruments.Create(meterFactory, TopicSizes, GetCounters);
    }

    public PeerId LocalPeer => _core.LocalPeer;

    public GossipsubOptions Options => _options;

    /// <summary>Where PRUNE peer exchange finds each offered peer's signed peer record (set by the network binding).</summary>
    public Func<PeerId, ReadOnlyMemory<byte>>? SignedPeerRecords
    {
        get => _core.SignedPeerRecords;
        set => _core.SignedPeerRecords = value;
    }

    /// <summary>Raised (outside the router lock) for peers offered in PRUNE peer exchange, for the network layer to dial.</summary>
    public event EventHandler<PeerExchangeCandidate>? PeerExchangeReceived;

    /// <summary>Starts the heartbeat loop and the validation workers.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) return;
        _tasks.Run("gossipsub heartbeat", HeartbeatLoopAsync);
        for (var i = 0; i < _options.ValidationConcurrency; i++)
            _tasks.Run("gossipsub validation", ValidationLoopAsync);
    }

    // ---------------------------------------------------------------- public pubsub API

    /// <summary>Joins <paramref name="topic"/> (on the first subscription) and returns a new consumer of its messages.</summary>
    public ValueTask<Subscription> SubscribeAsync(string topic)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var subscription = new Subscription(topic, _options.SubscriptionBufferCapacity, RemoveSubscription);
        lock (_gate)
        {
            if (!_subscriptions.TryGetValue(topic, out var list)) _subscriptions[topic] = list = [];
            list.Add(subscription);
            if (list.Count == 1) _core.Subscribe(topic);
            Dispatch();
        }
        return ValueTask.FromResult(subscription);
    }

    /// <summary>
    /// Forgets that the message of <paramref name="topic"/> with payload <paramref name="data"/> was seen, so that a later
    /// copy (its author's re-broadcast) is validated and delivered again: for a subscriber that could not use a delivered
    /// message it may need later. Only for topics whose message ids derive from the payload (StrictNoSign).
    /// </summary>
    public void ForgetSeen(string topic, ReadOnlyMemory<byte> data)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        lock (_gate) _core.ForgetSeen(_core.UnsignedMessageId(topic, data));
    }

    /// <summary>Ends every subscription to <paramref name="topic"/> and leaves it.</summary>
    public void Unsubscribe(string topic)
    {
        List<Subscription>? list;
        lock (_gate)
        {
            if (!_subscriptions.Remove(topic, out list)) return;
            _core.Unsubscribe(topic);
            Dispatch();
        }
        foreach (var subscription in list) subscription.Complete();
    }

    /// <summary>
    /// Signs (per the topic's policy) and publishes <paramref name="data"/>; returns the message id. A validator
    /// registered for the topic checks our own message first, so we never emit what our peers would reject.
    /// </summary>
    /// <exception cref="ArgumentException">The payload cannot fit in an RPC.</exception>
    /// <exception cref="InvalidOperationException">The topic's validator did not accept the message, or an identical StrictNoSign payload was published recently.</exception>
    public ValueTask<MessageId> PublishAsync(string topic, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        PublishAsync(topic, data, resendIfSeen: false, cancellationToken);

    /// <summary>
    /// <see cref="PublishAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>; with <paramref name="resendIfSeen"/>
    /// a payload identical to one published or seen recently is sent to the current mesh again instead of refused (for
    /// protocols that re-broadcast to reach peers that missed a message, such as consensus).
    /// </summary>
    public async ValueTask<MessageId> PublishAsync(string topic, ReadOnlyMemory<byte> data, bool resendIfSeen, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        cancellationToken.ThrowIfCancellationRequested();
        ulong seqno;
        MessageValidator? validator;
        lock (_gate)
        {
            _core.CheckPublishSize(data.Length);
            seqno = _core.NextSeqno();
            _validators.TryGetValue(topic, out validator);
        }
        // Signing happens outside the lock: it is the most expensive step of publishing.
        var topicOptions = _options.GetTopicOptions(topic);
        var message = MessageSigning.Create(topic, data, topicOptions.SignaturePolicy, _identity, seqno);
        if (validator is not null)
        {
            var own = new PubSubMessage(message, topicOptions.ResolveMessageId()(message), LocalPeer);
            var result = await validator(own, cancellationToken).ConfigureAwait(false);
            if (result != ValidationResult.Accept)
                throw new InvalidOperationException($"the validator of {topic} returned {result} for our own message");
        }
        lock (_gate)
        {
            var published = _core.Publish(message, resendIfSeen);
            Dispatch();
            return published.Id;
        }
    }

    /// <summary>
    /// Completes once every RPC queued so far to a connected peer has been written to its stream (or the peer is gone),
    /// e.g. before a short-lived publisher shuts down.
    /// </summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            lock (_gate)
            {
                if (_links.Values.All(l => Volatile.Read(ref l.Pending) == 0 || l.Queue.Reader.Completion.IsCompleted))
                    return;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(5), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Makes messages of <paramref name="topic"/> wait for <paramref name="validator"/> before delivery and forwarding.</summary>
    public void RegisterValidator(string topic, MessageValidator validator)
    {
        lock (_gate)
        {
            _validators[topic] = validator;
            _core.SetValidationRequired(topic, true);
        }
    }

    public void UnregisterValidator(string topic)
    {
        lock (_gate)
        {
            _validators.Remove(topic);
            _core.SetValidationRequired(topic, false);
        }
    }

    public double GetScore(PeerId peer)
    {
        lock (_gate) return _core.Score(peer);
    }

    public IReadOnlyCollection<PeerId> GetMeshPeers(string topic)
    {
        lock (_gate) return _core.MeshPeers(topic);
    }

    public IReadOnlyCollection<PeerId> GetTopicPeers(string topic)
    {
        lock (_gate) return _core.TopicPeers(topic);
    }

    public IReadOnlyCollection<PeerId> GetPeers()
    {
        lock (_gate) return [.. _core.Peers];
    }

    /// <summary>Each joined topic with its mesh size and number of subscribed peers.</summary>
    internal IReadOnlyList<(string Topic, int Mesh, int Peers)> TopicSizes()
    {
        lock (_gate) return [.. _core.Subscriptions.Select(t => (t, _core.MeshPeers(t).Count, _core.TopicPeers(t).Count))];
    }

    /// <summary>A snapshot of the router's counters.</summary>
    public GossipsubCounters GetCounters()
    {
        lock (_gate)
        {
            var c = _core.Counters;
            return new GossipsubCounters
            {
                MessagesReceived = c.MessagesReceived, DuplicateMessages = c.DuplicateMessages,
                InvalidSignatures = c.InvalidSignatures, RejectedMessages = c.RejectedMessages,
                IgnoredMessages = c.IgnoredMessages, ThrottledValidations = c.ThrottledValidations,
                GraylistedRpcs = c.GraylistedRpcs, GraylistedMessages = c.GraylistedMessages, IgnoredIHaves = c.IgnoredIHaves,
                IWantRetransmissionsRefused = c.IWantRetransmissionsRefused, BrokenPromises = c.BrokenPromises,
                GraftsDuringBackoff = c.GraftsDuringBackoff, IgnoredIDontWants = c.IgnoredIDontWants,
                IDontWantsSent = c.IDontWantsSent, IDontWantsReceived = c.IDontWantsReceived,
                DroppedOutgoingRpcs = c.DroppedOutgoingRpcs, DroppedSubscriptionMessages = c.DroppedSubscriptionMessages,
                IgnoredSubscriptions = c.IgnoredSubscriptions,
            };
        }
    }

    // ---------------------------------------------------------------- network edge

    /// <summary>
    /// Our stream to <paramref name="peer"/> (one per peer) was opened and negotiated as <paramref name="version"/>:
    /// a writer drains the peer's send queue into it until it fails, the remote closes or resets it, or the peer is
    /// removed. A stream replacing a lost one first announces our subscriptions again (see <see cref="GossipsubCore.Reannounce"/>).
    /// </summary>
    /// <returns>
    /// Null when the peer already has a writer (the caller should close this stream); otherwise the writer's end. After
    /// <see cref="OutboundStreamEnd.StreamLost"/> the peer is still known: attach a replacement or call <see cref="RemovePeer"/>.
    /// </returns>
    /// <param name="memory">
    /// The stream's resource scope (its peer's, its connection's, the system's memory): RPCs queued for the peer while
    /// the stream is attached are reserved in it until written, and dropped when it refuses them, so a peer that reads
    /// slowly holds at most its scope's share of our memory, not the whole send queue.
    /// </param>
    public Task<OutboundStreamEnd>? AttachOutboundStream(PeerId peer, GossipsubVersion version, bool outboundConnection, Stream stream,
        string? ip = null, IResourceScope? memory = null)
    {
        lock (_gate)
        {
            if (_disposed) return Task.FromResult(OutboundStreamEnd.PeerRemoved);
            var link = EnsurePeer(peer, version, outboundConnection, ip);
            if (link.WriterAttached) return null;
            link.WriterAttached = true;
            link.Memory = memory;
            if (link.Writers++ > 0)
            {
                _core.Reannounce(peer);
                Dispatch();
            }
            // Started under the lock, so that DisposeAsync (which marks the router disposed under it) awaits the writer.
            var end = new TaskCompletionSource<OutboundStreamEnd>(TaskCreationOptions.RunContinuationsAsynchronously);
            _tasks.Run($"gossipsub writer {peer}", ct => WriteLoopAsync(link, stream, end, ct));
            return end.Task;
        }
    }

    /// <summary>Reads RPCs from a stream <paramref name="peer"/> opened to us, until it ends, fails, or the peer is removed.</summary>
    /// <param name="ip">The peer's IP address, for the P₆ colocation score; null when unknown.</param>
    public async Task RunInboundStreamAsync(PeerId peer, GossipsubVersion version, bool outboundConnection, Stream stream,
        CancellationToken cancellationToken, string? ip = null)
    {
        PeerLink link;
        lock (_gate)
        {
            link = EnsurePeer(peer, version, outboundConnection, ip);
        }
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _tasks.Stopping);
        var header = new byte[1];
        while (true)
        {
            RPC? rpc;
            try
            {
                rpc = await RpcFrame.ReadAsync(stream, _options.MaxRpcSize, header, stopping.Token).ConfigureAwait(false);
            }
            catch (InvalidDataException e)
            {
                _logger.LogDebug("dropping stream from {Peer}: {Reason}", peer, e.Message);
                return;
            }
            catch (InvalidProtocolBufferException e)
            {
                _logger.LogDebug("dropping stream from {Peer}: undecodable RPC: {Reason}", peer, e.Message);
                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            if (rpc is null) return;
            // Signatures are verified outside the lock, so that peers' messages are verified in parallel.
            List<Message> toVerify;
            lock (_gate) toVerify = _core.MessagesToVerify(peer, rpc);
            Dictionary<Message, SignatureCheck>? checks = null;
            if (toVerify.Count > 0)
            {
                checks = new Dictionary<Message, SignatureCheck>(ReferenceEqualityComparer.Instance);
                foreach (var message in toVerify)
                    checks[message] = MessageSigning.Check(message, _options.GetTopicOptions(message.Topic).SignaturePolicy);
            }
            List<PeerExchangeCandidate> exchange;
            lock (_gate)
            {
                // A frame read after the peer was removed must not resurrect it.
                if (!_links.TryGetValue(peer, out var current) || current != link) return;
                _core.HandleRpc(peer, rpc, checks);
                exchange = Dispatch();
            }
            RaisePeerExchange(exchange);
        }
    }

    /// <summary>The peer disconnected: forget it (its score is retained per the score parameters).</summary>
    public void RemovePeer(PeerId peer)
    {
        lock (_gate)
        {
            if (_links.TryGetValue(peer, out var link)) RemoveLink(link);
        }
    }

    private void RemoveLink(PeerLink link)
    {
        if (!_links.TryGetValue(link.Peer, out var current) || current != link) return;
        _links.Remove(link.Peer);
        link.Queue.Writer.TryComplete();
        _core.RemovePeer(link.Peer);
        Dispatch();
    }

    private PeerLink EnsurePeer(PeerId peer, GossipsubVersion version, bool outboundConnection, string? ip)
    {
        if (_links.TryGetValue(peer, out var link)) return link;
        link = new PeerLink(peer, Channel.CreateBounded<RpcFrame>(new BoundedChannelOptions(_options.PeerSendQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the RPC is dropped and counted
        }));
        _links[peer] = link;
        _core.AddPeer(peer, version, outboundConnection, ip);
        Dispatch();
        return link;
    }

    private async Task WriteLoopAsync(PeerLink link, Stream stream, TaskCompletionSource<OutboundStreamEnd> end, CancellationToken cancellationToken)
    {
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watch = stream.CanRead ? WatchForRemoteEndAsync(link.Peer, stream, lost) : Task.CompletedTask;
        try
        {
            await foreach (var frame in link.Queue.Reader.ReadAllAsync(lost.Token).ConfigureAwait(false))
            {
                try
                {
                    // The frame carries its length prefix: one write, then a flush, as LengthPrefixedMessage does.
                    await stream.WriteAsync(frame.Memory, lost.Token).ConfigureAwait(false);
                    await stream.FlushAsync(lost.Token).ConfigureAwait(false);
                }
                finally
                {
                    frame.Return();
                    Interlocked.Decrement(ref link.Pending);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            _logger.LogDebug("gossipsub stream to {Peer} failed: {Reason}", link.Peer, e.Message);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The watcher saw the remote close or reset the stream.
        }
        finally
        {
            await lost.CancelAsync().ConfigureAwait(false);
            await watch.ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
            OutboundStreamEnd ended;
            lock (_gate)
            {
                // A lost stream leaves the peer known (its subscriptions, mesh and score intact) for a replacement.
                if (_disposed || !_links.TryGetValue(link.Peer, out var current) || current != link)
                {
                    ended = OutboundStreamEnd.PeerRemoved;
                }
                else
                {
                    link.WriterAttached = false;
                    link.Memory = null;
                    ended = OutboundStreamEnd.StreamLost;
                }
            }
            end.TrySetResult(ended);
        }
    }

    /// <summary>
    /// The remote never writes on our outbound stream, so a read on it completes only when the remote closes or resets
    /// it (or breaks the protocol): then the writer stops at once, instead of at its next write, which would be lost.
    /// go-libp2p-pubsub watches its outbound streams the same way.
    /// </summary>
    private async Task WatchForRemoteEndAsync(PeerId peer, Stream stream, CancellationTokenSource lost)
    {
        var probe = new byte[1];
        try
        {
            var read = await stream.ReadAsync(probe, lost.Token).ConfigureAwait(false);
            if (read == 0) _logger.LogDebug("{Peer} closed our gossipsub stream", peer);
            else _logger.LogDebug("{Peer} wrote on our gossipsub stream", peer);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested)
        {
            return; // the writer stopped first
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            _logger.LogDebug("gossipsub stream to {Peer} ended: {Reason}", peer, e.Message);
        }
        await lost.CancelAsync().ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- loops

    private async Task HeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval, _time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            List<PeerExchangeCandidate> exchange;
            lock (_gate)
            {
                _core.Heartbeat();
                exchange = Dispatch();
            }
            RaisePeerExchange(exchange);
        }
    }

    private async Task ValidationLoopAsync(CancellationToken cancellationToken)
    {
        await foreach (var message in _validationQueue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            MessageValidator? validator;
            lock (_gate) _validators.TryGetValue(message.Topic, out validator);
            var result = ValidationResult.Accept;
            if (validator is not null)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_options.ValidationTimeout);
                try
                {
                    result = await validator(message, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    result = ValidationResult.Ignore;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogWarning(e, "validator of {Topic} failed; ignoring the message", message.Topic);
                    result = ValidationResult.Ignore;
                }
            }
            lock (_gate)
            {
                _core.CompleteValidation(message.Id, result);
                Dispatch();
            }
        }
    }

    // ---------------------------------------------------------------- dispatch (called under the lock)

    /// <summary>Moves the core's outputs to the send queues, subscriptions and validation queue.</summary>
    private List<PeerExchangeCandidate> Dispatch()
    {
        foreach (var message in _core.TakeValidationRequests())
            if (!_validationQueue.Writer.TryWrite(message))
                _core.ThrottleValidation(message.Id);

        foreach (var (peer, rpc) in _core.TakeOutbox())
        {
            if (!_links.TryGetValue(peer, out var link)) continue;
            var frame = RpcFrame.Serialize(rpc);
            if (link.Memory is { } memory && !frame.TryReserve(memory, out frame))
            {
                frame.Return();
                _core.Counters.DroppedOutgoingRpcs++;
                continue;
            }
            Interlocked.Increment(ref link.Pending);
            if (!link.Queue.Writer.TryWrite(frame))
            {
                frame.Return();
                Interlocked.Decrement(ref link.Pending);
                _core.Counters.DroppedOutgoingRpcs++;
            }
        }

        foreach (var message in _core.TakeDeliveries())
        {
            if (!_subscriptions.TryGetValue(message.Topic, out var list)) continue;
            _instruments?.Delivered.Add(1);
            foreach (var subscription in list)
                if (!subscription.Offer(message)) _core.Counters.DroppedSubscriptionMessages++;
        }
        return _core.TakePeerExchange();
    }

    private void RaisePeerExchange(List<PeerExchangeCandidate> candidates)
    {
        if (candidates.Count == 0 || PeerExchangeReceived is not { } handler) return;
        foreach (var candidate in candidates) handler(this, candidate);
    }

    private void RemoveSubscription(Subscription subscription)
    {
        lock (_gate)
        {
            if (!_subscriptions.TryGetValue(subscription.Topic, out var list) || !list.Remove(subscription)) return;
            if (list.Count > 0) return;
            _subscriptions.Remove(subscription.Topic);
            _core.Unsubscribe(subscription.Topic);
            Dispatch();
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var link in _links.Values) link.Queue.Writer.TryComplete();
            foreach (var list in _subscriptions.Values)
                foreach (var subscription in list) subscription.Complete();
            _validationQueue.Writer.TryComplete();
        }
        await _tasks.DisposeAsync().ConfigureAwait(false);
    }
}
