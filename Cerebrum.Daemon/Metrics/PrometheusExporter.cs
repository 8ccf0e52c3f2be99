using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Cerebrum.Daemon.Metrics;

/// <summary>
/// Listens to the Cerebrum meters of this daemon's <see cref="IMeterFactory"/> (and no other: the tests run several
/// daemons in one process, each with its own factory) and aggregates their measurements for <c>GET /metrics</c>.
/// Counters and histograms are aggregated as they are recorded; observable instruments are read at each collection.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    /// <summary>Meters whose name starts with this are exported (Cerebrum.Network, Cerebrum.PubSub, …).</summary>
    public const string MeterPrefix = "Cerebrum.";

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, MetricAggregate> _families = new(StringComparer.Ordinal);
    private readonly Lock _collecting = new();

    public PrometheusExporter(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!ReferenceEquals(instrument.Meter.Scope, meterFactory) || !instrument.Meter.Name.StartsWith(MeterPrefix, StringComparison.Ordinal))
                return;
            var aggregate = MetricAggregate.For(instrument);
            // Instruments of the same name (several instances of one type) share their family.
            listener.EnableMeasurementEvents(instrument, _families.GetOrAdd(aggregate.Name, aggregate));
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((MetricAggregate)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((MetricAggregate)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((MetricAggregate)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>((_, value, tags, state) => ((MetricAggregate)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments and returns every family, sorted by name.</summary>
    public IReadOnlyList<PrometheusFamily> Collect()
    {
        lock (_collecting)
        {
            foreach (var family in _families.Values)
                family.ClearObserved();
            _listener.RecordObservableInstruments();
            return [.. _families.Values.OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => f.Snapshot())];
        }
    }

    public void Dispose() => _listener.Dispose();
}
