namespace Cerebrum.Core.PubSub;

/// <summary>
/// The PubSub layer's meter and instrument names, published by a <see cref="GossipRouter"/> given an
/// <see cref="System.Diagnostics.Metrics.IMeterFactory"/> (see <see cref="Network.NetworkMetrics"/> for why a factory).
/// </summary>
public static class PubSubMetrics
{
    public const string MeterName = "Cerebrum.PubSub";

    /// <summary>Gauge: peers in our mesh of each joined topic, tagged <c>topic</c>.</summary>
    public const string MeshPeers = "cerebrum.pubsub.mesh.peers";

    /// <summary>Gauge: peers subscribed to each joined topic, tagged <c>topic</c>.</summary>
    public const string TopicPeers = "cerebrum.pubsub.topic.peers";

    /// <summary>Observable counter: messages received from peers (before de-duplication and validation).</summary>
    public const string MessagesReceived = "cerebrum.pubsub.messages.received";

    /// <summary>Counter: messages delivered to our subscriptions (new and valid).</summary>
    public const string MessagesDelivered = "cerebrum.pubsub.messages.delivered";

    /// <summary>
    /// Observable counter: messages dropped, tagged <c>reason</c> = duplicate | invalid_signature | rejected | ignored |
    /// throttled (the router's <see cref="GossipsubCounters"/>).
    /// </summary>
    public const string MessagesDropped = "cerebrum.pubsub.messages.dropped";

    internal const string TopicTag = "topic";
    internal const string ReasonTag = "reason";
}
