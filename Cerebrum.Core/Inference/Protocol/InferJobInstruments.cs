using System.Diagnostics.Metrics;

namespace Cerebrum.Core.Inference.Protocol;

/// <summary>Publishes a handler's <see cref="InferJobCounters"/> as <see cref="InferenceMetrics.Jobs"/> and <see cref="InferenceMetrics.JobsInFlight"/>.</summary>
internal static class InferJobInstruments
{
    private static readonly KeyValuePair<string, object?> Served = new(InferenceMetrics.OutcomeTag, "served");

    // One tag per error code, built once: the wire's snake_case names (unknown_model, bad_input, …).
    private static readonly Dictionary<InferenceErrorCode, KeyValuePair<string, object?>> FailedTags =
        Enum.GetValues<InferenceErrorCode>().ToDictionary(c => c, c => new KeyValuePair<string, object?>(InferenceMetrics.OutcomeTag, SnakeCase(c.ToString())));

    public static void Register(IMeterFactory? meterFactory, InferJobCounters counters, InferByteBudget budget)
    {
        if (meterFactory is null) return;
        var meter = meterFactory.Create(InferenceMetrics.MeterName);
        meter.CreateObservableCounter(InferenceMetrics.Jobs,
            () => counters.Failed.Select(f => new Measurement<long>(f.Value, FailedTags[f.Key])).Append(new Measurement<long>(counters.Served, Served)),
            "{job}", "Inference jobs answered over the network, by outcome");
        meter.CreateObservableGauge(InferenceMetrics.JobsInFlight, () => counters.InFlight, "{job}", "Inference jobs being answered");
        meter.CreateObservableGauge(InferenceMetrics.BytesInFlight, () => budget.InFlight, "By", "Bytes that inference jobs in flight hold of the node's budget");
    }

    private static string SnakeCase(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));
}
