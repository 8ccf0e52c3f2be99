using Cerebrum.Daemon.Metrics;

namespace Cerebrum.Tests.TestSupport;

/// <summary>Looks up series in what a <see cref="PrometheusExporter"/> collected; a series never recorded reads as 0.</summary>
internal sealed class MetricsSnapshot(IReadOnlyList<PrometheusFamily> families)
{
    public static MetricsSnapshot Of(PrometheusExporter exporter) => new(exporter.Collect());

    public IReadOnlyList<PrometheusFamily> Families => families;

    public bool Has(string family) => families.Any(f => f.Name == family);

    public double Value(string family, params (string Name, string Value)[] labels) => Find(family, labels)?.Value ?? 0;

    public long HistogramCount(string family, params (string Name, string Value)[] labels) => Find(family, labels)?.Histogram?.Count ?? 0;

    private PrometheusSeries? Find(string family, (string Name, string Value)[] labels) =>
        families.FirstOrDefault(f => f.Name == family)?.Series.FirstOrDefault(s =>
            labels.All(l => s.Labels.Any(sl => sl.Key == l.Name && sl.Value == l.Value)));
}
