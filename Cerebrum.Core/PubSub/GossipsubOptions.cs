using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.PubSub;

/// <summary>
/// Gossipsub router parameters with the defaults of gossipsub-v1.0/v1.1/v1.2 (and go-libp2p-pubsub where the
/// specs leave a value open). Validated once at start-up by <see cref="Validate"/>.
/// </summary>
public sealed record GossipsubOptions
{
    /// <summary>Target mesh degree (D).</summary>
    public int D { get; init; } = 6;

    /// <summary>Lower mesh bound (D_lo): below it the heartbeat grafts.</summary>
    public int DLow { get; init; } = 5;

    /// <summary>Upper mesh bound (D_hi): above it the heartbeat prunes.</summary>
    public int DHigh { get; init; } = 12;

    /// <summary>Peers kept by score when pruning an oversubscribed mesh (D_score).</summary>
    public int DScore { get; init; } = 4;

    /// <summary>Outbound-connection quota in the mesh (D_out).</summary>
    public int DOut { get; init; } = 2;

    /// <summary>Minimum number of peers gossip is emitted to (D_lazy).</summary>
    public int DLazy { get; init; } = 6;

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan FanoutTtl { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Heartbeats of history kept in the message cache (mcache_len).</summary>
    public int HistoryLength { get; init; } = 5;

    /// <summary>Heartbeats of history advertised in IHAVE gossip (mcache_gossip).</summary>
    public int HistoryGossip { get; init; } = 3;

    /// <summary>How long a message id stays in the seen cache (seen_ttl).</summary>
    public TimeSpan SeenTtl { get; init; } = TimeSpan.FromMinutes(2);

    public TimeSpan PruneBackoff { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan UnsubscribeBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A GRAFT this soon after our PRUNE earns an extra behaviour penalty.</summary>
    public TimeSpan GraftFloodThreshold { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Peers offered in a PRUNE's peer exchange.</summary>
    public int PrunePeers { get; init; } = 16;

    /// <summary>Most message ids accepted in IHAVEs from one peer per heartbeat (and per IHAVE).</summary>
    public int MaxIHaveLength { get; init; } = 5000;

    /// <summary>Most IHAVE messages processed from one peer per heartbeat.</summary>
    public int MaxIHaveMessages { get; init; } = 10;

    /// <summary>Most IDONTWANT message ids accepted from one peer per heartbeat.</summary>
    public int MaxIDontWantMessages { get; init; } = 1000;

    /// <summary>Time an advertiser has to deliver a message we asked for with IWANT before P₇ is applied.</summary>
    public TimeSpan IWantFollowupTime { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Times one message is sent to the same peer in answer to IWANTs.</summary>
    public int GossipRetransmission { get; init; } = 3;

    /// <summary>Fraction of eligible non-mesh peers gossip is emitted to (adaptive gossip), at least D_lazy.</summary>
    public double GossipFactor { get; init; } = 0.25;

    /// <summary>Heartbeats between opportunistic grafting rounds.</summary>
    public int OpportunisticGraftTicks { get; init; } = 60;

    /// <summary>Peers grafted in an opportunistic grafting round.</summary>
    public int OpportunisticGraftPeers { get; init; } = 2;

    /// <summary>Messages at least this large trigger IDONTWANT to mesh peers (v1.2).</summary>
    public int IDontWantMessageThreshold { get; init; } = 1024;

    /// <summary>Heartbeats an IDONTWANT entry is remembered.</summary>
    public int IDontWantTtlHeartbeats { get; init; } = 3;

    /// <summary>Publish own messages to every topic peer above the publish threshold (v1.1).</summary>
    public bool FloodPublish { get; init; } = true;

    /// <summary>Send peer exchange in PRUNEs caused by oversubscription.</summary>
    public bool DoPeerExchange { get; init; } = true;

    /// <summary>Deliver our own published messages to our own subscriptions.</summary>
    public bool DeliverOwnMessages { get; init; }

    /// <summary>Explicit (direct) peers: always forwarded to, never grafted, RPCs always accepted.</summary>
    public IReadOnlySet<PeerId> DirectPeers { get; init; } = new HashSet<PeerId>();

    /// <summary>How often connections to direct peers are checked and re-established (v1.1 recommends 5 minutes).</summary>
    public TimeSpan DirectConnectInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Wait before re-opening a failed or closed outbound stream to a peer that is still connected; it doubles with each
    /// consecutive failure up to <see cref="OutboundStreamMaxRetryDelay"/>.
    /// </summary>
    public TimeSpan OutboundStreamRetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between attempts to re-open an outbound stream.</summary>
    public TimeSpan OutboundStreamMaxRetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Consecutive failed attempts to re-open an outbound stream to a connected peer before it is forgotten (until a new
    /// connection, or a new stream it opens to us); a stream that lasted <see cref="OutboundStreamMaxRetryDelay"/> resets the count.
    /// </summary>
    public int OutboundStreamRetries { get; init; } = 5;

    /// <summary>Signing policy of topics not listed in <see cref="Topics"/>.</summary>
    public SignaturePolicy DefaultSignaturePolicy { get; init; } = SignaturePolicy.StrictSign;

    /// <summary>Per-topic signing policy and message-id function.</summary>
    public IReadOnlyDictionary<string, TopicOptions> Topics { get; init; } = new Dictionary<string, TopicOptions>();

    /// <summary>Topics one peer may be subscribed to; further SUBSCRIBEs are ignored, so topic spam cannot grow memory.</summary>
    public int MaxTopicsPerPeer { get; init; } = 1000;

    /// <summary>Largest RPC read from a stream.</summary>
    public int MaxRpcSize { get; init; } = 1024 * 1024;

    /// <summary>RPCs queued for one peer before further ones are dropped.</summary>
    public int PeerSendQueueCapacity { get; init; } = 1024;

    /// <summary>Messages buffered for one subscription before further ones are dropped.</summary>
    public int SubscriptionBufferCapacity { get; init; } = 1024;

    /// <summary>Messages waiting for application validation before further ones are dropped (throttled).</summary>
    public int ValidationQueueCapacity { get; init; } = 1024;

    /// <summary>Application validators run concurrently.</summary>
    public int ValidationConcurrency { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>An application validator taking longer than this counts as Ignore.</summary>
    public TimeSpan ValidationTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public TopicOptions GetTopicOptions(string topic) =>
        Topics.TryGetValue(topic, out var options) ? options : new TopicOptions { SignaturePolicy = DefaultSignaturePolicy };

    /// <exception cref="ArgumentException">A parameter violates a constraint of the spec.</exception>
    public void Validate()
    {
        Require(D > 0, "D must be positive");
        Require(DLow > 0 && DLow <= D, "D_lo must be in (0, D]");
        Require(DHigh >= D, "D_hi must be at least D");
        Require(DScore >= 0 && DScore <= DHigh, "D_score must be in [0, D_hi]");
        Require(DOut >= 0 && DOut < DLow && DOut <= D / 2, "D_out must be below D_lo and at most D/2");
        Require(DLazy >= 0, "D_lazy must not be negative");
        Require(HeartbeatInterval > TimeSpan.Zero, "heartbeat interval must be positive");
        Require(FanoutTtl > TimeSpan.Zero, "fanout TTL must be positive");
        Require(HistoryGossip > 0 && HistoryGossip <= HistoryLength, "mcache_gossip must be in (0, mcache_len]");
        Require(SeenTtl > TimeSpan.Zero, "seen TTL must be positive");
        Require(PruneBackoff > TimeSpan.Zero && UnsubscribeBackoff > TimeSpan.Zero, "backoffs must be positive");
        Require(GraftFloodThreshold >= TimeSpan.Zero, "graft flood threshold must not be negative");
        Require(PrunePeers >= 0, "prune peers must not be negative");
        Require(MaxIHaveLength > 0 && MaxIHaveMessages > 0, "IHAVE limits must be positive");
        Require(MaxIDontWantMessages >= 0 && IDontWantTtlHeartbeats > 0, "IDONTWANT limits must be valid");
        Require(IWantFollowupTime > TimeSpan.Zero, "IWANT follow-up time must be positive");
        Require(DirectConnectInterval > TimeSpan.Zero, "direct connect interval must be positive");
        Require(OutboundStreamRetryDelay > TimeSpan.Zero && OutboundStreamMaxRetryDelay >= OutboundStreamRetryDelay,
            "outbound stream retry delays must be positive, the longest at least the first");
        Require(OutboundStreamRetries >= 0, "outbound stream retries must not be negative");
        Require(GossipRetransmission > 0, "gossip retransmission must be positive");
        Require(GossipFactor is >= 0 and <= 1, "gossip factor must be in [0, 1]");
        Require(OpportunisticGraftTicks > 0 && OpportunisticGraftPeers >= 0, "opportunistic graft parameters must be valid");
        Require(IDontWantMessageThreshold >= 0, "IDONTWANT threshold must not be negative");
        Require(MaxTopicsPerPeer > 0, "max topics per peer must be positive");
        Require(MaxRpcSize > 0 && PeerSendQueueCapacity > 0 && SubscriptionBufferCapacity > 0, "sizes must be positive");
        Require(ValidationQueueCapacity > 0 && ValidationConcurrency > 0 && ValidationTimeout > TimeSpan.Zero, "validation limits must be positive");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException($"invalid gossipsub options: {message}");
    }
}
