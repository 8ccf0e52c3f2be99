namespace Cerebrum.Daemon.Metrics;

/// <summary>The metric types of the Prometheus text format that the exporter produces.</summary>
public enum PrometheusMetricType
{
    Counter,
    Gauge,
    Histogram,
}
