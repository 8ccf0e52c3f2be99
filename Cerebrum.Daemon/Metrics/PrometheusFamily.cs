namespace Cerebrum.Daemon.Metrics;

/// <summary>One metric family: its name (already in Prometheus form), HELP text, TYPE and series.</summary>
public sealed record PrometheusFamily(string Name, PrometheusMetricType Type, string Help, IReadOnlyList<PrometheusSeries> Series);
