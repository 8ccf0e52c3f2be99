namespace Cerebrum.Daemon.Metrics;

/// <summary>One series of a family: its labels and value, or, for a histogram, its buckets.</summary>
/// <param name="Value">The counter's or gauge's value; unused for a histogram.</param>
public sealed record PrometheusSeries(IReadOnlyList<KeyValuePair<string, string>> Labels, double Value, PrometheusHistogram? Histogram = null);
