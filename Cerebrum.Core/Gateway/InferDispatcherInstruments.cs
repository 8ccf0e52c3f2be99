using System.Diagnostics.Metrics;

namespace Cerebrum.Core.Gateway;

/// <summary>A dispatcher's counter and latency histogram (see <see cref="GatewayMetrics"/>), with every outcome tag built once.</summary>
internal sealed class InferDispatcherInstruments
{
    private static readonly KeyValuePair<string, object?> Ok = new(GatewayMetrics.OutcomeTag, "ok");
    private static readonly KeyValuePair<string, object?> Cancelled = new(GatewayMetrics.OutcomeTag, "cancelled");
    private static readonly Dictionary<GatewayErrorKind, KeyValuePair<string, object?>> Failed =
        Enum.GetValues<GatewayErrorKind>().ToDictionary(k => k, k => new KeyValuePair<string, object?>(GatewayMetrics.OutcomeTag, SnakeCase(k.ToString())));

    private readonly Counter<long> _dispatches;
    private readonly Histogram<double> _duration;

    private InferDispatcherInstruments(Counter<long> dispatches, Histogram<double> duration)
    {
        _dispatches = dispatches;
        _duration = duration;
    }

    public static InferDispatcherInstruments? Create(IMeterFactory? meterFactory)
    {
        if (meterFactory is null) return null;
        var meter = meterFactory.Create(GatewayMetrics.MeterName);
        return new InferDispatcherInstruments(
            meter.CreateCounter<long>(GatewayMetrics.Dispatches, "{request}", "Inference requests dispatched to nodes, by outcome"),
            meter.CreateHistogram(GatewayMetrics.DispatchDuration, "s", "Time to dispatch a request, retries included",
                advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] }));
    }

    /// <param name="failure">The error kind; null for an answer.</param>
    public void Record(GatewayErrorKind? failure, bool cancelled, TimeSpan elapsed)
    {
        var outcome = Outcome(failure, cancelled);
        _dispatches.Add(1, outcome);
        _duration.Record(elapsed.TotalSeconds, outcome);
    }

    /// <summary>The outcome's name (ok, cancelled, no_node, …), as the metric's tag and the dispatch span's carry it.</summary>
    public static string OutcomeName(GatewayErrorKind? failure, bool cancelled) => (string)Outcome(failure, cancelled).Value!;

    private static KeyValuePair<string, object?> Outcome(GatewayErrorKind? failure, bool cancelled) =>
        cancelled ? Cancelled : failure is { } kind ? Failed[kind] : Ok;

    private static string SnakeCase(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));
}
