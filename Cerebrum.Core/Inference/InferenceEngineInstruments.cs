using System.Diagnostics.Metrics;
using Cerebrum.Core.Inference.Store;

namespace Cerebrum.Core.Inference;

/// <summary>
/// An engine's instruments (see <see cref="InferenceMetrics"/>): counts, queue depth and running are read from each
/// model's <see cref="ModelStatistics"/> when observed; the latency histogram is recorded by the schedulers.
/// </summary>
internal sealed class InferenceEngineInstruments
{
    private static readonly KeyValuePair<string, object?> Completed = new(InferenceMetrics.OutcomeTag, "completed");
    private static readonly KeyValuePair<string, object?> Busy = new(InferenceMetrics.OutcomeTag, "busy");
    private static readonly KeyValuePair<string, object?> DeadlineExceeded = new(InferenceMetrics.OutcomeTag, "deadline_exceeded");
    private static readonly KeyValuePair<string, object?> Failed = new(InferenceMetrics.OutcomeTag, "failed");

    private InferenceEngineInstruments(Histogram<double> duration) => Duration = duration;

    /// <summary>Recorded once per completed request, tagged with the model (see <see cref="ModelTag"/>).</summary>
    public Histogram<double> Duration { get; }

    /// <summary>The tag every series of <paramref name="model"/> carries; built once per model, not per measurement.</summary>
    public static KeyValuePair<string, object?> ModelTag(ModelInfo model) => new(InferenceMetrics.ModelTag, model.Name);

    /// <param name="models">The models served now (empty once the engine is disposed).</param>
    public static InferenceEngineInstruments? Create(IMeterFactory? meterFactory, Func<IReadOnlyList<LoadedModel>> models)
    {
        if (meterFactory is null) return null;
        var meter = meterFactory.Create(InferenceMetrics.MeterName);
        meter.CreateObservableCounter(InferenceMetrics.Requests, () => models().SelectMany(m =>
        {
            var s = m.Scheduler.Statistics;
            var model = ModelTag(m.Info);
            return new[]
            {
                new Measurement<long>(s.Completed, model, Completed),
                new Measurement<long>(s.RejectedBusy, model, Busy),
                new Measurement<long>(s.DeadlineExceeded, model, DeadlineExceeded),
                new Measurement<long>(s.Failed, model, Failed),
            };
        }), "{request}", "Requests the engine settled, by model and outcome");
        meter.CreateObservableCounter(InferenceMetrics.Runs,
            () => models().Select(m => new Measurement<long>(m.Scheduler.Statistics.Runs, ModelTag(m.Info))),
            "{run}", "ONNX Runtime runs, by model");
        meter.CreateObservableGauge(InferenceMetrics.QueueDepth,
            () => models().Select(m => new Measurement<int>(m.Scheduler.Statistics.QueueDepth, ModelTag(m.Info))),
            "{request}", "Requests waiting to run, by model");
        meter.CreateObservableGauge(InferenceMetrics.Running,
            () => models().Select(m => new Measurement<int>(m.Scheduler.Statistics.Running, ModelTag(m.Info))),
            "{run}", "Runs in progress, by model");
        return new InferenceEngineInstruments(meter.CreateHistogram(InferenceMetrics.Duration, "s",
            "Latency of completed requests in the engine (queueing plus compute), by model",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] }));
    }
}
