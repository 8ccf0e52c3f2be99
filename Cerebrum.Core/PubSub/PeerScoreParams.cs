namespace Cerebrum.Core.PubSub;

/// <summary>Global score parameters P₅–P₇, decay, and the per-topic parameters (gossipsub-v1.1, "Peer Scoring").</summary>
public sealed record PeerScoreParams
{
    /// <summary>Per-topic parameters; topics not listed use <see cref="DefaultTopicParams"/>.</summary>
    public IReadOnlyDictionary<string, TopicScoreParams> Topics { get; init; } = new Dictionary<string, TopicScoreParams>();

    /// <summary>Parameters of topics not in <see cref="Topics"/>; null means such topics do not count.</summary>
    public TopicScoreParams? DefaultTopicParams { get; init; } = new();

    /// <summary>Cap on the summed topic contribution; 0 means uncapped.</summary>
    public double TopicScoreCap { get; init; }

    /// <summary>P₅: the application's own opinion of a peer.</summary>
    public Func<Crypto.PeerId, double>? AppSpecificScore { get; init; }
    public double AppSpecificWeight { get; init; } = 1;

    /// <summary>
    /// P₆: peers sharing one IP (an IPv4 address, an IPv6 /64) beyond <see cref="IPColocationFactorThreshold"/> are all
    /// penalised by the square of the surplus times this weight. The spec requires it negative (0 turns P₆ off, for
    /// tests only) and leaves values to the application; -5 with a threshold of 10 is rust-libp2p's default. With the default
    /// <see cref="PeerScoreThresholds"/>, 12 peers on one IP fall below the gossip threshold (-20), 14 below the publish
    /// threshold (-80) and 15 below the graylist threshold (-125). Loopback is never counted (see the host binding).
    /// </summary>
    public double IPColocationFactorWeight { get; init; } = -5;

    /// <summary>Peers one IP may have before P₆ applies (at least 1).</summary>
    public int IPColocationFactorThreshold { get; init; } = 10;

    /// <summary>IPs never penalised by P₆, as the router names them (an IPv4 address, an IPv6 /64 such as <c>2001:db8::/64</c>).</summary>
    public IReadOnlySet<string> IPColocationFactorWhitelist { get; init; } = new HashSet<string>();

    /// <summary>P₇: behaviour penalty (broken IWANT promises, GRAFTs during backoff), squared above the threshold.</summary>
    public double BehaviourPenaltyWeight { get; init; } = -10;
    public double BehaviourPenaltyThreshold { get; init; }
    public double BehaviourPenaltyDecay { get; init; } = 0.9;

    public TimeSpan DecayInterval { get; init; } = TimeSpan.FromSeconds(1);
    public double DecayToZero { get; init; } = 0.01;

    /// <summary>How long the score of a disconnected peer is remembered, so reconnecting does not reset it.</summary>
    public TimeSpan RetainScore { get; init; } = TimeSpan.FromMinutes(10);

    public TopicScoreParams? ForTopic(string topic) =>
        Topics.TryGetValue(topic, out var p) ? p : DefaultTopicParams;

    /// <exception cref="ArgumentException">A parameter violates a constraint of the spec.</exception>
    public void Validate()
    {
        foreach (var (topic, p) in Topics) p.Validate(topic);
        DefaultTopicParams?.Validate("(default)");
        Require(TopicScoreCap >= 0, "topic score cap must not be negative");
        Require(AppSpecificWeight >= 0, "P5 weight must not be negative");
        Require(IPColocationFactorWeight <= 0, "P6 weight must not be positive");
        Require(IPColocationFactorWeight == 0 || IPColocationFactorThreshold >= 1, "P6 threshold must be at least 1");
        Require(BehaviourPenaltyWeight <= 0, "P7 weight must not be positive");
        Require(BehaviourPenaltyWeight == 0 || TopicScoreParams.IsDecay(BehaviourPenaltyDecay), "P7 decay must be in (0, 1)");
        Require(BehaviourPenaltyThreshold >= 0, "P7 threshold must not be negative");
        Require(DecayInterval >= TimeSpan.FromMilliseconds(1), "decay interval must be positive");
        Require(DecayToZero is > 0 and < 1, "decay-to-zero must be in (0, 1)");
        Require(RetainScore >= TimeSpan.Zero, "retain-score must not be negative");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException($"invalid peer score parameters: {message}");
    }
}
