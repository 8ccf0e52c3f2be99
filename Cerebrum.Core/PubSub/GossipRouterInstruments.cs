using System.Diagnostics.Metrics;

namespace Cerebrum.Core.PubSub;

/// <summary>
/// One router's instruments (see <see cref="PubSubMetrics"/>): mesh sizes and drop counts are read from the router when
/// observed; only deliveries, which nothing counted yet, are added to as they happen.
/// </summary>
internal sealed class GossipRouterInstruments
{
    private static readonly KeyValuePair<string, object?> Duplicate = new(PubSubMetrics.ReasonTag, "duplicate");
    private static readonly KeyValuePair<string, object?> InvalidSignature = new(PubSubMetrics.ReasonTag, "invalid_signature");
    private static readonly KeyValuePair<string, object?> Rejected = new(PubSubMetrics.ReasonTag, "rejected");
    private static readonly KeyValuePair<string, object?> Ignored = new(PubSubMetrics.ReasonTag, "ignored");
    private static readonly KeyValuePair<string, object?> Throttled = new(PubSubMetrics.ReasonTag, "throttled");

    private GossipRouterInstruments(Counter<long> delivered) => Delivered = delivered;

    public Counter<long> Delivered { get; }

    /// <param name="topics">Each joined topic with its mesh size and subscribed peers, taken under the router's lock.</param>
    public static GossipRouterInstruments? Create(IMeterFactory? meterFactory, Func<IReadOnlyList<(string Topic, int Mesh, int Peers)>> topics, Func<GossipsubCounters> counters)
    {
        if (meterFactory is null) return null;
        var meter = meterFactory.Create(PubSubMetrics.MeterName);
        meter.CreateObservableGauge(PubSubMetrics.MeshPeers,
            () => topics().Select(t => new Measurement<int>(t.Mesh, new KeyValuePair<string, object?>(PubSubMetrics.TopicTag, t.Topic))),
            "{peer}", "Peers in our mesh of each joined topic");
        meter.CreateObservableGauge(PubSubMetrics.TopicPeers,
            () => topics().Select(t => new Measurement<int>(t.Peers, new KeyValuePair<string, object?>(PubSubMetrics.TopicTag, t.Topic))),
            "{peer}", "Peers subscribed to each joined topic");
        meter.CreateObservableCounter(PubSubMetrics.MessagesReceived, () => counters().MessagesReceived,
            "{message}", "Messages received from peers, before de-duplication and validation");
        meter.CreateObservableCounter(PubSubMetrics.MessagesDropped, () =>
        {
            var c = counters();
            return new[]
            {
                new Measurement<long>(c.DuplicateMessages, Duplicate),
                new Measurement<long>(c.InvalidSignatures, InvalidSignature),
                new Measurement<long>(c.RejectedMessages, Rejected),
                new Measurement<long>(c.IgnoredMessages, Ignored),
                new Measurement<long>(c.ThrottledValidations, Throttled),
            };
        }, "{message}", "Messages dropped, by reason");
        var delivered = meter.CreateCounter<long>(PubSubMetrics.MessagesDelivered, "{message}", "Messages delivered to our subscriptions");
        delivered.Add(0); // shows the series at 0 until the first delivery
        return new GossipRouterInstruments(delivered);
    }
}
