using System.Diagnostics.Metrics;

namespace Cerebrum.Daemon.Metrics;

/// <summary>
/// What the exporter keeps of one metric family between scrapes: per tag set, a running sum (counters and up-down
/// counters), the last value (observable instruments, which report totals), or histogram buckets.
/// </summary>
internal sealed class MetricAggregate
{
    /// <summary>Seconds-scale defaults for histograms that give no bucket advice.</summary>
    private static readonly double[] DefaultBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, SeriesState> _series = new(StringComparer.Ordinal);
    private readonly bool _summing;
    private readonly double[]? _bounds;

    private MetricAggregate(string name, PrometheusMetricType type, string help, bool observable, double[]? bounds)
    {
        Name = name;
        Type = type;
        Help = help;
        IsObservable = observable;
        _summing = !observable && type != PrometheusMetricType.Histogram;
        _bounds = bounds;
    }

    public string Name { get; }

    public PrometheusMetricType Type { get; }

    public string Help { get; }

    /// <summary>Observable instruments report their current total on each collection, so the previous one is dropped first.</summary>
    public bool IsObservable { get; }

    public static MetricAggregate For(Instrument instrument)
    {
        var type = PrometheusNaming.TypeOf(instrument);
        var help = string.IsNullOrEmpty(instrument.Description) ? instrument.Name : instrument.Description;
        var bounds = type == PrometheusMetricType.Histogram ? HistogramBounds(instrument) : null;
        return new MetricAggregate(PrometheusNaming.FamilyName(instrument), type, help, instrument.IsObservable, bounds);
    }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        // Untagged series (the per-message counters) need no key to be built: no allocation on the hot path.
        var key = tags.IsEmpty ? "" : SeriesKey(tags);
        lock (_gate)
        {
            if (!_series.TryGetValue(key, out var series))
                _series[key] = series = new SeriesState(Labels(tags), _bounds);
            if (_bounds is not null)
                series.Observe(value, _bounds);
            else if (_summing)
                series.Value += value;
            else
                series.Value = value;
        }
    }

    public void ClearObserved()
    {
        if (!IsObservable) return;
        lock (_gate) _series.Clear();
    }

    public PrometheusFamily Snapshot()
    {
        lock (_gate)
        {
            var series = _series.Values
                .OrderBy(s => string.Join(",", s.Labels.Select(l => l.Key + "=" + l.Value)), StringComparer.Ordinal)
                .Select(s => new PrometheusSeries(s.Labels, s.Value,
                    _bounds is null ? null : new PrometheusHistogram(_bounds, [.. s.Buckets!], s.Sum, s.Count)))
                .ToList();
            return new PrometheusFamily(Name, Type, Help, series);
        }
    }

    private static double[] HistogramBounds(Instrument instrument) => instrument switch
    {
        Histogram<double> { Advice.HistogramBucketBoundaries: { Count: > 0 } b } => [.. b],
        Histogram<long> { Advice.HistogramBucketBoundaries: { Count: > 0 } b } => [.. b.Select(v => (double)v)],
        Histogram<int> { Advice.HistogramBucketBoundaries: { Count: > 0 } b } => [.. b.Select(v => (double)v)],
        _ => DefaultBounds,
    };

    private static string SeriesKey(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var parts = new string[tags.Length];
        for (var i = 0; i < tags.Length; i++)
            parts[i] = tags[i].Key + "\u0001" + tags[i].Value;
        Array.Sort(parts, StringComparer.Ordinal);
        return string.Join("\u0002", parts);
    }

    private static KeyValuePair<string, string>[] Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new KeyValuePair<string, string>[tags.Length];
        for (var i = 0; i < tags.Length; i++)
            labels[i] = new(PrometheusNaming.Sanitize(tags[i].Key), Convert.ToString(tags[i].Value, System.Globalization.CultureInfo.InvariantCulture) ?? "");
        Array.Sort(labels, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return labels;
    }

    private sealed class SeriesState(KeyValuePair<string, string>[] labels, double[]? bounds)
    {
        public KeyValuePair<string, string>[] Labels { get; } = labels;

        public double Value { get; set; }

        public long[]? Buckets { get; } = bounds is null ? null : new long[bounds.Length + 1];

        public double Sum { get; private set; }

        public long Count { get; private set; }

        public void Observe(double value, double[] bounds)
        {
            // Prometheus buckets are "less than or equal": a value on a bound belongs to that bound's bucket.
            var index = Array.BinarySearch(bounds, value);
            Buckets![index >= 0 ? index : ~index]++;
            Sum += value;
            Count++;
        }
    }
}
