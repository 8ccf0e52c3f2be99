using Cerebrum.Core.Crypto;
using Cerebrum.Core.PubSub.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.PubSub;

/// <summary>
/// The gossipsub protocol as a single-threaded state machine (gossipsub v1.0, v1.1, v1.2). It is fed events
/// (peers coming and going, RPCs, local publishes and subscriptions, validation verdicts, heartbeats) and produces
/// outputs the I/O edge drains: RPCs per peer, messages to deliver locally, messages awaiting application
/// validation, and peer-exchange candidates. It reads time only from its <see cref="TimeProvider"/>.
/// Not thread-safe: the owner serialises calls.
/// </summary>
public sealed class GossipsubCore
{
    private sealed class PeerState(GossipsubVersion version, bool outbound, bool direct)
    {
        public readonly GossipsubVersion Version = version;
        public readonly bool Outbound = outbound;
        public readonly bool Direct = direct;
        public readonly HashSet<string> Topics = [];
        // Message ids the peer told us it does not want, with the heartbeat at which the entry expires.
        public readonly Dictionary<MessageId, long> DontSend = [];
        public int IHavesThisHeartbeat;
        public int IAskedThisHeartbeat;
        public int IDontWantsThisHeartbeat;
    }

    private readonly GossipsubOptions _options;
    private readonly PeerScoreThresholds _thresholds;
    private readonly PrivateKey _identity;
    private readonly TimeProvider _time;
    private readonly long _startTimestamp;
    private readonly Random _random;

    private readonly Dictionary<PeerId, PeerState> _peers = new(PeerIdComparer.Instance);
    private readonly Dictionary<string, HashSet<PeerId>> _topicPeers = [];
    private readonly HashSet<string> _subscriptions = [];
    private readonly HashSet<string> _validatedTopics = [];
    private readonly Dictionary<string, HashSet<PeerId>> _mesh = [];
    private readonly Dictionary<string, HashSet<PeerId>> _fanout = [];
    private readonly Dictionary<string, TimeSpan> _fanoutLastPublished = [];
    private readonly Dictionary<string, Dictionary<PeerId, TimeSpan>> _backoff = [];
    private readonly Dictionary<string, TopicOptions> _topicOptions = [];
    private readonly Dictionary<string, MessageIdFunction> _messageIdFunctions = [];
    private readonly Dictionary<MessageId, PubSubMessage> _pendingValidation = [];

    private readonly SeenCache _seen;
    private readonly MessageCache _mcache;
    private readonly GossipPromises _promises;
    private readonly PeerScore _score;

    private Dictionary<PeerId, RPC> _outbox = new(PeerIdComparer.Instance);
    private List<PubSubMessage> _deliveries = [];
    private List<PubSubMessage> _validationRequests = [];
    private List<PeerExchangeCandidate> _peerExchange = [];

    private long _heartbeatTicks;
    private TimeSpan _lastDecay;
    private ulong _seqno;

    /// <summary>A peer's signed peer record (an encoded envelope), or empty: offered with it in PRUNE peer exchange.</summary>
    public Func<PeerId, ReadOnlyMemory<byte>>? SignedPeerRecords { get; set; }

    public GossipsubCore(
        PrivateKey identity,
        GossipsubOptions options,
        PeerScoreParams scoreParams,
        PeerScoreThresholds thresholds,
        TimeProvider time,
        Random random)
    {
        options.Validate();
        thresholds.Validate();
        _identity = identity;
        _options = options;
        _thresholds = thresholds;
        _time = time;
        _startTimestamp = time.GetTimestamp();
        _random = random;
        _seen = new SeenCache(options.SeenTtl);
        _mcache = new MessageCache(options.HistoryLength, options.HistoryGossip);
        _promises = new GossipPromises(options.IWantFollowupTime);
        _score = new PeerScore(scoreParams, options.SeenTtl);
        // Seqnos start at the wall clock in nanoseconds so a restarted author does not reuse ids.
        _seqno = (ulong)(time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000);
    }

    public PeerId LocalPeer => _identity.PeerId;

    public GossipsubOptions Options => _options;

    public PeerScoreThresholds Thresholds => _thresholds;

    public GossipsubCounters Counters { get; } = new();

    /// <summary>Monotonic time since the core was created.</summary>
    public TimeSpan Now => _time.GetElapsedTime(_startTimestamp);

    public IReadOnlyCollection<string> Subscriptions => _subscriptions;

    public IEnumerable<PeerId> Peers => _peers.Keys;

    public int PendingValidations => _pendingValidation.Count;

    public double Score(PeerId peer) => _score.Score(peer, Now);

    public IReadOnlyCollection<PeerId> MeshPeers(string topic) =>
        _mesh.TryGetValue(topic, out var mesh) ? [.. mesh] : [];

    public IReadOnlyCollection<PeerId> FanoutPeers(string topic) =>
        _fanout.TryGetValue(topic, out var fanout) ? [.. fanout] : [];

    public IReadOnlyCollection<PeerId> TopicPeers(string topic) =>
        _topicPeers.TryGetValue(topic, out var peers) ? [.. peers] : [];

    /// <summary>True while we would not graft <paramref name="peer"/> into <paramref name="topic"/>.</summary>
    public bool IsBackedOff(string topic, PeerId peer) =>
        _backoff.TryGetValue(topic, out var byPeer) && byPeer.TryGetValue(peer, out var expiry) && expiry > Now;

    // ---------------------------------------------------------------- outputs

    /// <summary>RPCs to send, at most one per peer, each within the RPC size cap unless a single message exceeds it.</summary>
    public List<(PeerId Peer, RPC Rpc)> TakeOutbox()
    {
        if (_outbox.Count == 0) return [];
        var result = new List<(PeerId, RPC)>(_outbox.Count);
        foreach (var (peer, rpc) in _outbox)
        {
            if (rpc.Publish.Count <= 1 || rpc.CalculateSize() <= _options.MaxRpcSize)
            {
                result.Add((peer, rpc));
                continue;
            }
            // Split oversized batches so receivers with the standard 1 MiB cap accept every frame.
            var current = new RPC { Control = rpc.Control };
            current.Subscriptions.AddRange(rpc.Subscriptions);
            var size = current.CalculateSize();
            foreach (var message in rpc.Publish)
            {
                var messageSize = message.CalculateSize() + 8;
                if (current.Publish.Count > 0 && size + messageSize > _options.MaxRpcSize)
                {
                    result.Add((peer, current));
                    current = new RPC();
                    size = 0;
                }
                current.Publish.Add(message);
                size += messageSize;
            }
            result.Add((peer, current));
        }
        _outbox = new Dictionary<PeerId, RPC>(PeerIdComparer.Instance);
        return result;
    }

    /// <summary>Accepted messages of topics we subscribe to, in order.</summary>
    public List<PubSubMessage> TakeDeliveries()
    {
        if (_deliveries.Count == 0) return [];
        var taken = _deliveries;
        _deliveries = [];
        return taken;
    }

    /// <summary>Messages awaiting an application verdict through <see cref="CompleteValidation"/>.</summary>
    public List<PubSubMessage> TakeValidationRequests()
    {
        if (_validationRequests.Count == 0) return [];
        var taken = _validationRequests;
        _validationRequests = [];
        return taken;
    }

    public List<PeerExchangeCandidate> TakePeerExchange()
    {
        if (_peerExchange.Count == 0) return [];
        var taken = _peerExchange;
        _peerExchange = [];
        return taken;
    }

    // ---------------------------------------------------------------- configuration

    /// <summary>Messages of <paramref name="topic"/> wait for <see cref="CompleteValidation"/> before delivery.</summary>
    public void SetValidationRequired(string topic, bool required)
    {
        if (required) _validatedTopics.Add(topic);
        else _validatedTopics.Remove(topic);
    }

    // ---------------------------------------------------------------- peers

    public void AddPeer(PeerId peer, GossipsubVersion version, bool outbound, string? ip = null)
    {
        if (_peers.ContainsKey(peer) || peer == LocalPeer) return;
        _peers[peer] = new PeerState(version, outbound, _options.DirectPeers.Contains(peer));
        _score.AddPeer(peer, ip);
        if (_subscriptions.Count == 0) return;
        var rpc = RpcFor(peer);
        foreach (var topic in _subscriptions)
            rpc.Subscriptions.Add(new SubOpts { Subscribe = true, Topicid = topic });
    }

    /// <summary>
    /// Our stream to a known peer was replaced after the previous one failed or was closed: what was in flight on it may
    /// be lost, and a peer whose router lost our state reads the new stream as a newcomer's. Announce our subscriptions
    /// again and GRAFT again the topics whose mesh holds it (a GRAFT from a peer already in the mesh is a no-op).
    /// </summary>
    public void Reannounce(PeerId peer)
    {
        if (!_peers.ContainsKey(peer)) return;
        foreach (var topic in _subscriptions)
            RpcFor(peer).Subscriptions.Add(new SubOpts { Subscribe = true, Topicid = topic });
        foreach (var (topic, mesh) in _mesh)
            if (mesh.Contains(peer))
                ControlFor(peer).Graft.Add(new ControlGraft { TopicID = topic });
    }

    public void RemovePeer(PeerId peer)
    {
        if (!_peers.Remove(peer, out var state)) return;
        foreach (var topic in state.Topics)
            if (_topicPeers.TryGetValue(topic, out var set) && set.Remove(peer) && set.Count == 0)
                _topicPeers.Remove(topic);
        foreach (var mesh in _mesh.Values) mesh.Remove(peer);
        foreach (var fanout in _fanout.Values) fanout.Remove(peer);
        _outbox.Remove(peer);
        _score.RemovePeer(peer, Now);
    }

    // ---------------------------------------------------------------- local API

    public void Subscribe(string topic)
    {
        if (!_subscriptions.Add(topic)) return;
        foreach (var peer in _peers.Keys)
            RpcFor(peer).Subscriptions.Add(new SubOpts { Subscribe = true, Topicid = topic });
        Join(topic);
    }

    public void Unsubscribe(string topic)
    {
        if (!_subscriptions.Remove(topic)) return;
        foreach (var peer in _peers.Keys)
            RpcFor(peer).Subscriptions.Add(new SubOpts { Subscribe = false, Topicid = topic });
        Leave(topic);
    }

    /// <summary>Authors and sends a message; returns it (with its id).</summary>
    /// <exception cref="ArgumentException">The payload cannot fit in an RPC.</exception>
    /// <exception cref="InvalidOperationException">A message with the same id was seen recently (StrictNoSign, same payload).</exception>
    public PubSubMessage Publish(string topic, ReadOnlyMemory<byte> data)
    {
        CheckPublishSize(data.Length);
        return Publish(MessageSigning.Create(topic, data, TopicOptionsFor(topic).SignaturePolicy, _identity, NextSeqno()));
    }

    /// <summary>The next sequence number for our own messages, so the edge can sign outside its lock.</summary>
    public ulong NextSeqno() => ++_seqno;

    /// <exception cref="ArgumentException">The payload cannot fit in an RPC.</exception>
    public void CheckPublishSize(int length)
    {
        if (length > _options.MaxRpcSize - 1024)
            throw new ArgumentException($"message of {length} bytes exceeds the RPC size cap of {_options.MaxRpcSize} bytes", nameof(length));
    }

    /// <summary>Sends a message we authored (with <see cref="MessageSigning.Create"/> and <see cref="NextSeqno"/>).</summary>
    /// <param name="resendIfSeen">
    /// When a message with the same id was seen recently (StrictNoSign, same payload), send it to the current targets
    /// again instead of throwing (not delivered locally again): a re-broadcast for peers that may have missed it, e.g.
    /// because they joined the topic after the first send. Peers that have it drop it as a duplicate.
    /// </param>
    /// <exception cref="InvalidOperationException">A message with the same id was seen recently and <paramref name="resendIfSeen"/> is false.</exception>
    public PubSubMessage Publish(Message message, bool resendIfSeen = false)
    {
        var now = Now;
        var topic = message.Topic;
        var id = MessageIdFunctionFor(topic)(message);
        var resend = !_seen.Add(id, now);
        if (resend && !resendIfSeen)
            throw new InvalidOperationException($"message {id} was already published or seen in topic {topic}");
        if (!resend) _mcache.Put(id, message);

        var targets = new HashSet<PeerId>(PeerIdComparer.Instance);
        _topicPeers.TryGetValue(topic, out var topicPeers);
        if (topicPeers is not null)
        {
            if (_options.FloodPublish)
            {
                foreach (var peer in topicPeers)
                    if (_peers[peer].Direct || _score.Score(peer, now) >= _thresholds.PublishThreshold)
                        targets.Add(peer);
            }
            else
            {
                if (_mesh.TryGetValue(topic, out var mesh))
                {
                    targets.UnionWith(mesh);
                }
                else
                {
                    if (!_fanout.TryGetValue(topic, out var fanout))
                    {
                        fanout = new HashSet<PeerId>(PeerIdComparer.Instance);
                        foreach (var peer in SelectRandom(topicPeers, _options.D,
                                     p => !_peers[p].Direct && _score.Score(p, now) >= _thresholds.PublishThreshold))
                            fanout.Add(peer);
                        _fanout[topic] = fanout;
                    }
                    _fanoutLastPublished[topic] = now;
                    targets.UnionWith(fanout);
                }
                foreach (var peer in topicPeers)
                    if (_peers[peer].Direct) targets.Add(peer);
            }
        }
        foreach (var peer in targets) RpcFor(peer).Publish.Add(message);

        var published = new PubSubMessage(message, id, LocalPeer);
        if (!resend && _options.DeliverOwnMessages && _subscriptions.Contains(topic)) _deliveries.Add(published);
        return published;
    }

    // ---------------------------------------------------------------- RPC processing

    /// <summary>
    /// The messages of <paramref name="rpc"/> that <see cref="HandleRpc"/> would check signatures of (subscribed topic,
    /// not seen, sender not graylisted), so that the edge can verify them outside its lock and pass the results in.
    /// </summary>
    public List<Message> MessagesToVerify(PeerId from, RPC rpc)
    {
        if (rpc.Publish.Count == 0 || !_peers.TryGetValue(from, out var state)) return [];
        if (!state.Direct && _score.Score(from, Now) < _thresholds.GraylistThreshold) return [];
        var result = new List<Message>();
        foreach (var message in rpc.Publish)
            if (message.HasTopic && _subscriptions.Contains(message.Topic) && !_seen.Contains(MessageIdFunctionFor(message.Topic)(message)))
                result.Add(message);
        return result;
    }

    /// <summary>Processes an RPC from <paramref name="from"/>.</summary>
    /// <param name="signatureChecks">Results of <see cref="MessageSigning.Check"/> already computed for some of its messages (by reference).</param>
    public void HandleRpc(PeerId from, RPC rpc, IReadOnlyDictionary<Message, SignatureCheck>? signatureChecks = null)
    {
        if (!_peers.TryGetValue(from, out var state)) return;
        var now = Now;
        if (!state.Direct && _score.Score(from, now) < _thresholds.GraylistThreshold)
        {
            Counters.GraylistedRpcs++;
            Counters.GraylistedMessages += rpc.Publish.Count;
            return;
        }
        foreach (var sub in rpc.Subscriptions) HandleSubscription(from, state, sub);
        foreach (var message in rpc.Publish) HandleMessage(from, state, message, now, signatureChecks);
        if (rpc.Control is { } control) HandleControl(from, state, control, now);
    }

    private void HandleSubscription(PeerId from, PeerState state, SubOpts sub)
    {
        if (!sub.HasTopicid) return;
        var topic = sub.Topicid;
        if (sub.Subscribe)
        {
            if (state.Topics.Count >= _options.MaxTopicsPerPeer)
            {
                Counters.IgnoredSubscriptions++;
                return;
            }
            if (!state.Topics.Add(topic)) return;
            if (!_topicPeers.TryGetValue(topic, out var set))
                _topicPeers[topic] = set = new HashSet<PeerId>(PeerIdComparer.Instance);
            set.Add(from);
            return;
        }
        if (!state.Topics.Remove(topic)) return;
        if (_topicPeers.TryGetValue(topic, out var peers) && peers.Remove(from) && peers.Count == 0) _topicPeers.Remove(topic);
        if (_mesh.TryGetValue(topic, out var mesh) && mesh.Remove(from)) _score.Prune(from, topic);
        if (_fanout.TryGetValue(topic, out var fanout)) fanout.Remove(from);
    }

    private void HandleMessage(PeerId from, PeerState state, Message message, TimeSpan now,
        IReadOnlyDictionary<Message, SignatureCheck>? signatureChecks)
    {
        Counters.MessagesReceived++;
        // Messages of topics we do not subscribe to are neither delivered nor relayed.
        if (!message.HasTopic || !_subscriptions.Contains(message.Topic)) return;
        var topic = message.Topic;
        var id = MessageIdFunctionFor(topic)(message);
        if (_seen.Contains(id))
        {
            Counters.DuplicateMessages++;
            _score.DuplicateMessage(from, id, topic, now);
            return;
        }
        if (signatureChecks is null || !signatureChecks.TryGetValue(message, out var check))
            check = MessageSigning.Check(message, TopicOptionsFor(topic).SignaturePolicy);
        if (check != SignatureCheck.Valid)
        {
            // Not marked seen: the id may be forged to shadow a genuine message.
            Counters.InvalidSignatures++;
            _score.RejectMessage(from, id, topic, RejectReason.InvalidSignature, now);
            return;
        }
        if (message.HasFrom && message.From.Span.SequenceEqual(LocalPeer.Bytes.Span))
            return; // our own message relayed back after the seen cache forgot it
        _seen.Add(id, now);
        _promises.Fulfil(id);
        _score.ValidateMessage(id, now);

        // v1.2: tell mesh peers right away (before validation) not to send us large messages we already have.
        if (message.Data.Length >= _options.IDontWantMessageThreshold && _mesh.TryGetValue(topic, out var mesh))
            foreach (var peer in mesh)
                if (peer != from && _peers[peer].Version >= GossipsubVersion.V1_2)
                {
                    var dontWant = new ControlIDontWant();
                    dontWant.MessageIDs.Add(ByteString.CopyFrom(id.UnsafeArray));
                    ControlFor(peer).Idontwant.Add(dontWant);
                    Counters.IDontWantsSent++;
                }

        var received = new PubSubMessage(message, id, from);
        if (_validatedTopics.Contains(topic))
        {
            _pendingValidation[id] = received;
            _validationRequests.Add(received);
            return;
        }
        AcceptMessage(received, now);
    }

    /// <summary>Applies an application validator's verdict on a message from <see cref="TakeValidationRequests"/>.</summary>
    public void CompleteValidation(MessageId id, ValidationResult result)
    {
        if (!_pendingValidation.Remove(id, out var message)) return;
        var now = Now;
        switch (result)
        {
            case ValidationResult.Accept:
                AcceptMessage(message, now);
                break;
            case ValidationResult.Reject:
                Counters.RejectedMessages++;
                _score.RejectMessage(message.ReceivedFrom, id, message.Topic, RejectReason.ValidationFailed, now);
                break;
            default:
                Counters.IgnoredMessages++;
                if (TopicOptionsFor(message.Topic).RejudgeIgnored)
                {
                    // Not the sender's fault, and perhaps of use later: a later copy is judged afresh.
                    _seen.Remove(id);
                    _score.RejectMessage(message.ReceivedFrom, id, message.Topic, RejectReason.Throttled, now);
                }
                else
                {
                    _score.RejectMessage(message.ReceivedFrom, id, message.Topic, RejectReason.Ignored, now);
                }
                break;
        }
    }

    /// <summary>
    /// Forgets that a delivered message was seen, so that a later copy is validated and delivered again: for an
    /// application that could not keep it though it may need it later (its author re-sends it).
    /// </summary>
    public void ForgetSeen(MessageId id)
    {
        if (_pendingValidation.ContainsKey(id)) return;
        _seen.Remove(id);
        _score.RejectMessage(LocalPeer, id, "", RejectReason.Throttled, Now);
    }

    /// <summary>The id the topic's message-id function gives a message of <paramref name="data"/> with no author or sequence number (StrictNoSign).</summary>
    public MessageId UnsignedMessageId(string topic, ReadOnlyMemory<byte> data) =>
        MessageIdFunctionFor(topic)(new Message { Topic = topic, Data = ByteString.CopyFrom(data.Span) });

    /// <summary>The validation queue had no room: drop the message without penalty and let a later copy be judged.</summary>
    public void ThrottleValidation(MessageId id)
    {
        if (!_pendingValidation.Remove(id, out var message)) return;
        Counters.ThrottledValidations++;
        _seen.Remove(id);
        _score.RejectMessage(message.ReceivedFrom, id, message.Topic, RejectReason.Throttled, Now);
    }

    private void AcceptMessage(PubSubMessage received, TimeSpan now)
    {
        var topic = received.Topic;
        var id = received.Id;
        _score.DeliverMessage(received.ReceivedFrom, id, topic, now);
        _mcache.Put(id, received.Wire);
        if (_subscriptions.Contains(topic)) _deliveries.Add(received);

        var author = received.Wire.HasFrom ? received.Wire.From.Memory : default;
        void Forward(PeerId peer)
        {
            if (peer == received.ReceivedFrom || (author.Length > 0 && peer.Bytes.Span.SequenceEqual(author.Span))) return;
            var state = _peers[peer];
            if (state.DontSend.ContainsKey(id)) return;
            RpcFor(peer).Publish.Add(received.Wire);
        }
        if (_mesh.TryGetValue(topic, out var mesh))
            foreach (var peer in mesh) Forward(peer);
        if (_topicPeers.TryGetValue(topic, out var topicPeers))
            foreach (var peer in topicPeers)
                if (_peers[peer].Direct && (mesh is null || !mesh.Contains(peer))) Forward(peer);
    }

    private void HandleControl(PeerId from, PeerState state, ControlMessage control, TimeSpan now)
    {
        var score = _score.Score(from, now);
        if (control.Ihave.Count > 0) HandleIHave(from, state, control.Ihave, score, now);
        if (control.Iwant.Count > 0) HandleIWant(from, control.Iwant, score);
        if (control.Idontwant.Count > 0) HandleIDontWant(state, control.Idontwant);
        if (control.Graft.Count > 0) HandleGraft(from, state, control.Graft, score, now);
        if (control.Prune.Count > 0) HandlePrune(from, state, control.Prune, now);
    }

    private void HandleIHave(PeerId from, PeerState state, IEnumerable<ControlIHave> ihaves, double score, TimeSpan now)
    {
        if (score < _thresholds.GossipThreshold) return;
        state.IHavesThisHeartbeat++;
        if (state.IHavesThisHeartbeat > _options.MaxIHaveMessages || state.IAskedThisHeartbeat >= _options.MaxIHaveLength)
        {
            Counters.IgnoredIHaves++;
            return;
        }
        var wanted = new HashSet<MessageId>();
        var ordered = new List<MessageId>();
        foreach (var ihave in ihaves)
        {
            if (!ihave.HasTopicID || !_mesh.ContainsKey(ihave.TopicID)) continue;
            foreach (var raw in ihave.MessageIDs)
            {
                var id = new MessageId(raw.ToByteArray());
                if (!_seen.Contains(id) && wanted.Add(id)) ordered.Add(id);
            }
        }
        if (ordered.Count == 0) return;
        var budget = _options.MaxIHaveLength - state.IAskedThisHeartbeat;
        if (ordered.Count > budget)
        {
            Shuffle(ordered);
            ordered.RemoveRange(budget, ordered.Count - budget);
        }
        state.IAskedThisHeartbeat += ordered.Count;
        var iwant = new ControlIWant();
        foreach (var id in ordered) iwant.MessageIDs.Add(ByteString.CopyFrom(id.UnsafeArray));
        ControlFor(from).Iwant.Add(iwant);
        // One random id per IHAVE is enough to catch advertisers that never deliver.
        _promises.Add(from, ordered[_random.Next(ordered.Count)], now);
    }

    private void HandleIWant(PeerId from, IEnumerable<ControlIWant> iwants, double score)
    {
        if (score < _thresholds.GossipThreshold) return;
        foreach (var iwant in iwants)
            foreach (var raw in iwant.MessageIDs)
            {
                if (!_mcache.TryGetForPeer(new MessageId(raw.ToByteArray()), from, out var message, out var count)) continue;
                if (count > _options.GossipRetransmission)
                {
                    Counters.IWantRetransmissionsRefused++;
                    continue;
                }
                RpcFor(from).Publish.Add(message);
            }
    }

    private void HandleIDontWant(PeerState state, IEnumerable<ControlIDontWant> idontwants)
    {
        var expiry = _heartbeatTicks + _options.IDontWantTtlHeartbeats;
        foreach (var idontwant in idontwants)
            foreach (var raw in idontwant.MessageIDs)
            {
                Counters.IDontWantsReceived++;
                if (state.IDontWantsThisHeartbeat >= _options.MaxIDontWantMessages)
                {
                    Counters.IgnoredIDontWants++;
                    return;
                }
                state.IDontWantsThisHeartbeat++;
                state.DontSend[new MessageId(raw.ToByteArray())] = expiry;
            }
    }

    private void HandleGraft(PeerId from, PeerState state, IEnumerable<ControlGraft> grafts, double score, TimeSpan now)
    {
        foreach (var graft in grafts)
        {
            if (!graft.HasTopicID) continue;
            var topic = graft.TopicID;
            // GRAFTs for topics we are not in are ignored, not answered: answering would make GRAFT spam cost us.
            if (!_mesh.TryGetValue(topic, out var mesh) || mesh.Contains(from)) continue;
            if (state.Direct)
            {
                SendPrune(from, topic, peerExchange: false, _options.PruneBackoff);
                continue;
            }
            if (_backoff.TryGetValue(topic, out var byPeer) && byPeer.TryGetValue(from, out var expiry) && expiry > now)
            {
                Counters.GraftsDuringBackoff++;
                _score.AddPenalty(from, 1);
                // A GRAFT right after our PRUNE is flooding: penalise it once more.
                if (now < expiry - _options.PruneBackoff + _options.GraftFloodThreshold)
                    _score.AddPenalty(from, 1);
                SendPrune(from, topic, peerExchange: false, _options.PruneBackoff);
                continue;
            }
            if (score < 0)
            {
                SendPrune(from, topic, peerExchange: false, _options.PruneBackoff);
                continue;
            }
            // Outbound peers may always join so that an attacker cannot fill our mesh with inbound connections.
            if (mesh.Count >= _options.DHigh && !state.Outbound)
            {
                SendPrune(from, topic, peerExchange: true, _options.PruneBackoff);
                continue;
            }
            mesh.Add(from);
            _score.Graft(from, topic, now);
        }
    }

    private void HandlePrune(PeerId from, PeerState state, IEnumerable<ControlPrune> prunes, TimeSpan now)
    {
        var score = _score.Score(from, now);
        foreach (var prune in prunes)
        {
            if (!prune.HasTopicID) continue;
            var topic = prune.TopicID;
            if (_mesh.TryGetValue(topic, out var mesh) && mesh.Remove(from)) _score.Prune(from, topic);
            var backoff = prune.HasBackoff ? TimeSpan.FromSeconds(Math.Min(prune.Backoff, 86_400UL)) : _options.PruneBackoff;
            AddBackoff(from, topic, backoff, now);
            if (prune.Peers.Count == 0 || state.Version == GossipsubVersion.V1_0) continue;
            if (score < _thresholds.AcceptPXThreshold) continue;
            var accepted = 0;
            foreach (var info in prune.Peers)
            {
                if (accepted >= _options.PrunePeers) break;
                if (!info.HasPeerID) continue;
                PeerId peer;
                try
                {
                    peer = PeerId.FromBytes(info.PeerID.Span);
                }
                catch (Exception e) when (e is FormatException or ArgumentException or InvalidDataException)
                {
                    continue;
                }
                if (peer == LocalPeer || _peers.ContainsKey(peer)) continue;
                _peerExchange.Add(new PeerExchangeCandidate(peer, topic, info.HasSignedPeerRecord ? info.SignedPeerRecord.Memory : default));
                accepted++;
            }
        }
    }

    // ---------------------------------------------------------------- mesh membership

    private void Join(string topic)
    {
        if (_mesh.ContainsKey(topic)) return;
        var now = Now;
        var mesh = new HashSet<PeerId>(PeerIdComparer.Instance);
        _mesh[topic] = mesh;
        if (_fanout.Remove(topic, out var fanout))
        {
            _fanoutLastPublished.Remove(topic);
            foreach (var peer in fanout)
                if (!_peers[peer].Direct && !IsBackedOffForGraft(topic, peer, now) && _score.Score(peer, now) >= 0)
                    mesh.Add(peer);
        }
        if (mesh.Count < _options.D && _topicPeers.TryGetValue(topic, out var topicPeers))
            foreach (var peer in SelectRandom(topicPeers, _options.D - mesh.Count, p =>
                         !mesh.Contains(p) && !_peers[p].Direct && !IsBackedOffForGraft(topic, p, now) && _score.Score(p, now) >= 0))
                mesh.Add(peer);
        foreach (var peer in mesh)
        {
            _score.Graft(peer, topic, now);
            ControlFor(peer).Graft.Add(new ControlGraft { TopicID = topic });
        }
    }

    private void Leave(string topic)
    {
        if (!_mesh.Remove(topic, out var mesh)) return;
        foreach (var peer in mesh)
        {
            _score.Prune(peer, topic);
            SendPrune(peer, topic, peerExchange: true, _options.UnsubscribeBackoff);
        }
    }

    /// <summary>Queues a PRUNE (with backoff and, if asked, PX for v1.1+ peers) and records the backoff on our side.</summary>
    private void SendPrune(PeerId peer, string topic, bool peerExchange, TimeSpan backoff)
    {
        var now = Now;
        AddBackoff(peer, topic, backoff, now);
        var prune = new ControlPrune { TopicID = topic };
        if (_peers[peer].Version >= GossipsubVersion.V1_1)
        {
            prune.Backoff = (ulong)Math.Ceiling(backoff.TotalSeconds);
            // No PX towards peers with a negative score, and only non-negative peers are offered.
            if (peerExchange && _options.DoPeerExchange && _score.Score(peer, now) >= 0
                && _topicPeers.TryGetValue(topic, out var topicPeers))
                foreach (var candidate in SelectRandom(topicPeers, _options.PrunePeers, p => p != peer && _score.Score(p, now) >= 0))
                {
                    var info = new PeerInfo { PeerID = ByteString.CopyFrom(candidate.Bytes.Span) };
                    // The candidate's own signed record lets the pruned peer dial it at addresses we cannot forge.
                    if (SignedPeerRecords?.Invoke(candidate) is { IsEmpty: false } record)
                        info.SignedPeerRecord = ByteString.CopyFrom(record.Span);
                    prune.Peers.Add(info);
                }
        }
        ControlFor(peer).Prune.Add(prune);
    }

    private void AddBackoff(PeerId peer, string topic, TimeSpan backoff, TimeSpan now)
    {
        if (!_backoff.TryGetValue(topic, out var byPeer))
            _backoff[topic] = byPeer = new Dictionary<PeerId, TimeSpan>(PeerIdComparer.Instance);
        var expiry = now + backoff;
        if (!byPeer.TryGetValue(peer, out var existing) || existing < expiry) byPeer[peer] = expiry;
    }

    // Our own grafts wait one heartbeat beyond the backoff, so the remote has surely cleared its side.
    private bool IsBackedOffForGraft(string topic, PeerId peer, TimeSpan now) =>
        _backoff.TryGetValue(topic, out var byPeer) && byPeer.TryGetValue(peer, out var expiry)
        && expiry + _options.HeartbeatInterval > now;

    // ---------------------------------------------------------------- heartbeat

    /// <summary>Runs one heartbeat: scoring upkeep, mesh and fanout maintenance, gossip emission, cache shifting.</summary>
    public void Heartbeat()
    {
        var now = Now;
        _heartbeatTicks++;

        foreach (var state in _peers.Values)
        {
            state.IHavesThisHeartbeat = 0;
            state.IAskedThisHeartbeat = 0;
            state.IDontWantsThisHeartbeat = 0;
        }
        foreach (var (peer, count) in _promises.TakeBroken(now))
        {
            Counters.BrokenPromises += count;
            _score.AddPenalty(peer, count);
        }
        if (now - _lastDecay >= _score.Params.DecayInterval)
        {
            _score.Decay(now);
            _lastDecay = now;
        }

        var scores = new Dictionary<PeerId, double>(PeerIdComparer.Instance);
        double ScoreOf(PeerId p)
        {
            if (!scores.TryGetValue(p, out var s)) scores[p] = s = _score.Score(p, now);
            return s;
        }
        var toGraft = new List<(PeerId Peer, string Topic)>();
        var toPrune = new List<(PeerId Peer, string Topic, bool PeerExchange)>();

        foreach (var (topic, mesh) in _mesh)
        {
            _topicPeers.TryGetValue(topic, out var topicPeers);
            topicPeers ??= new HashSet<PeerId>(PeerIdComparer.Instance);
            bool Eligible(PeerId p) =>
                !mesh.Contains(p) && !_peers[p].Direct && !IsBackedOffForGraft(topic, p, now) && ScoreOf(p) >= 0;

            foreach (var peer in mesh.ToList())
                if (ScoreOf(peer) < 0)
                {
                    mesh.Remove(peer);
                    _score.Prune(peer, topic);
                    toPrune.Add((peer, topic, false));
                }

            if (mesh.Count < _options.DLow)
                foreach (var peer in SelectRandom(topicPeers, _options.D - mesh.Count, Eligible))
                    GraftInHeartbeat(peer, topic);

            if (mesh.Count > _options.DHigh)
            {
                var byScore = mesh.ToList();
                Shuffle(byScore); // random order among equal scores
                byScore.Sort((a, b) => ScoreOf(b).CompareTo(ScoreOf(a)));
                var kept = byScore.Take(_options.DScore).ToList();
                var rest = byScore.Skip(_options.DScore).ToList();
                Shuffle(rest);
                kept.AddRange(rest.Take(_options.D - kept.Count));
                var dropped = rest.Skip(_options.D - _options.DScore).ToList();
                // Keep D_out outbound peers: swap dropped outbound peers in for kept inbound ones, from the end.
                var outbound = kept.Count(p => _peers[p].Outbound);
                for (var i = kept.Count - 1; i >= 0 && outbound < _options.DOut; i--)
                {
                    if (_peers[kept[i]].Outbound) continue;
                    var replacement = dropped.FindIndex(p => _peers[p].Outbound);
                    if (replacement < 0) break;
                    (kept[i], dropped[replacement]) = (dropped[replacement], kept[i]);
                    outbound++;
                }
                foreach (var peer in dropped)
                {
                    mesh.Remove(peer);
                    _score.Prune(peer, topic);
                    toPrune.Add((peer, topic, true));
                }
            }

            if (mesh.Count >= _options.DLow)
            {
                var outbound = mesh.Count(p => _peers[p].Outbound);
                if (outbound < _options.DOut)
                    foreach (var peer in SelectRandom(topicPeers, _options.DOut - outbound, p => _peers[p].Outbound && Eligible(p)))
                        GraftInHeartbeat(peer, topic);
            }

            if (_heartbeatTicks % _options.OpportunisticGraftTicks == 0 && mesh.Count > 1)
            {
                var meshScores = mesh.Select(ScoreOf).Order().ToList();
                var median = meshScores[meshScores.Count / 2];
                if (median < _thresholds.OpportunisticGraftThreshold)
                    foreach (var peer in SelectRandom(topicPeers, _options.OpportunisticGraftPeers, p => Eligible(p) && ScoreOf(p) > median))
                        GraftInHeartbeat(peer, topic);
            }

            EmitGossip(topic, mesh, topicPeers, ScoreOf);

            void GraftInHeartbeat(PeerId peer, string t)
            {
                mesh.Add(peer);
                _score.Graft(peer, t, now);
                toGraft.Add((peer, t));
            }
        }

        foreach (var topic in _fanoutLastPublished.Where(e => e.Value + _options.FanoutTtl < now).Select(e => e.Key).ToList())
        {
            _fanoutLastPublished.Remove(topic);
            _fanout.Remove(topic);
        }
        foreach (var (topic, fanout) in _fanout)
        {
            _topicPeers.TryGetValue(topic, out var topicPeers);
            topicPeers ??= new HashSet<PeerId>(PeerIdComparer.Instance);
            fanout.RemoveWhere(p => !topicPeers.Contains(p) || ScoreOf(p) < _thresholds.PublishThreshold);
            if (fanout.Count < _options.D)
                foreach (var peer in SelectRandom(topicPeers, _options.D - fanout.Count,
                             p => !fanout.Contains(p) && !_peers[p].Direct && ScoreOf(p) >= _thresholds.PublishThreshold))
                    fanout.Add(peer);
            EmitGossip(topic, fanout, topicPeers, ScoreOf);
        }

        foreach (var (peer, topic) in toGraft)
            ControlFor(peer).Graft.Add(new ControlGraft { TopicID = topic });
        foreach (var (peer, topic, px) in toPrune)
            SendPrune(peer, topic, px, _options.PruneBackoff);

        _seen.Sweep(now);
        _mcache.Shift();
        foreach (var byPeer in _backoff.Values)
        {
            List<PeerId>? expired = null;
            foreach (var (peer, expiry) in byPeer)
                if (expiry + _options.HeartbeatInterval <= now) (expired ??= []).Add(peer);
            if (expired is not null)
                foreach (var peer in expired) byPeer.Remove(peer);
        }
        foreach (var state in _peers.Values)
        {
            if (state.DontSend.Count == 0) continue;
            List<MessageId>? expired = null;
            foreach (var (id, expiry) in state.DontSend)
                if (expiry <= _heartbeatTicks) (expired ??= []).Add(id);
            if (expired is not null)
                foreach (var id in expired) state.DontSend.Remove(id);
        }
    }

    /// <summary>Adaptive gossip: IHAVE to max(D_lazy, factor × eligible) random non-mesh peers above the gossip threshold.</summary>
    private void EmitGossip(string topic, HashSet<PeerId> exclude, HashSet<PeerId> topicPeers, Func<PeerId, double> scoreOf)
    {
        var ids = _mcache.GetGossipIds(topic);
        if (ids.Count == 0) return;
        var candidates = topicPeers.Where(p => !exclude.Contains(p) && !_peers[p].Direct && scoreOf(p) >= _thresholds.GossipThreshold).ToList();
        var target = Math.Max(_options.DLazy, (int)(_options.GossipFactor * candidates.Count));
        Shuffle(candidates);
        foreach (var peer in candidates.Take(target))
        {
            var peerIds = ids;
            if (peerIds.Count > _options.MaxIHaveLength)
            {
                peerIds = [.. ids];
                Shuffle(peerIds);
                peerIds = peerIds.GetRange(0, _options.MaxIHaveLength);
            }
            var ihave = new ControlIHave { TopicID = topic };
            foreach (var id in peerIds) ihave.MessageIDs.Add(ByteString.CopyFrom(id.UnsafeArray));
            ControlFor(peer).Ihave.Add(ihave);
        }
    }

    // ---------------------------------------------------------------- helpers

    private RPC RpcFor(PeerId peer)
    {
        if (!_outbox.TryGetValue(peer, out var rpc)) _outbox[peer] = rpc = new RPC();
        return rpc;
    }

    private ControlMessage ControlFor(PeerId peer) => RpcFor(peer).Control ??= new ControlMessage();

    private TopicOptions TopicOptionsFor(string topic)
    {
        if (!_topicOptions.TryGetValue(topic, out var options))
            _topicOptions[topic] = options = _options.GetTopicOptions(topic);
        return options;
    }

    private MessageIdFunction MessageIdFunctionFor(string topic)
    {
        if (!_messageIdFunctions.TryGetValue(topic, out var function))
            _messageIdFunctions[topic] = function = TopicOptionsFor(topic).ResolveMessageId();
        return function;
    }

    private List<PeerId> SelectRandom(IEnumerable<PeerId> source, int count, Func<PeerId, bool> filter)
    {
        if (count <= 0) return [];
        var candidates = source.Where(filter).ToList();
        Shuffle(candidates);
        if (candidates.Count > count) candidates.RemoveRange(count, candidates.Count - count);
        return candidates;
    }

    private void Shuffle<T>(List<T> list)
    {
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = _random.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}
