using Cerebrum.Daemon.Metrics;

namespace Cerebrum.Tests.Daemon.Metrics;

/// <summary>The Prometheus text exposition (0.0.4) of <see cref="PrometheusTextWriter"/>.</summary>
[TestFixture]
public sealed class MetricsTextWriterTests
{
    private static readonly KeyValuePair<string, string>[] NoLabels = [];

    [Test]
    public void Counter_HasHelpTypeAndSampleLines()
    {
        var text = PrometheusTextWriter.Write([
            new PrometheusFamily("cerebrum_network_sent_bytes_total", PrometheusMetricType.Counter, "Bytes written", [new PrometheusSeries(NoLabels, 1234)]),
        ]);

        Assert.That(text, Is.EqualTo(
            "# HELP cerebrum_network_sent_bytes_total Bytes written\n" +
            "# TYPE cerebrum_network_sent_bytes_total counter\n" +
            "cerebrum_network_sent_bytes_total 1234\n"));
    }

    [Test]
    public void Gauge_WithLabels_WritesThemInOrderGiven()
    {
        var text = PrometheusTextWriter.Write([
            new PrometheusFamily("cerebrum_network_connections", PrometheusMetricType.Gauge, "Open connections", [
                new PrometheusSeries([new("direction", "inbound")], 2),
                new PrometheusSeries([new("direction", "outbound")], 0.5),
            ]),
        ]);

        Assert.That(text, Does.Contain("# TYPE cerebrum_network_connections gauge\n"));
        Assert.That(text, Does.Contain("cerebrum_network_connections{direction=\"inbound\"} 2\n"));
        Assert.That(text, Does.Contain("cerebrum_network_connections{direction=\"outbound\"} 0.5\n"));
    }

    [Test]
    public void LabelValues_EscapeBackslashQuoteAndNewline()
    {
        var text = PrometheusTextWriter.Write([
            new PrometheusFamily("m", PrometheusMetricType.Gauge, "h", [new PrometheusSeries([new("topic", "a\\b\"c\nd")], 1)]),
        ]);

        Assert.That(text, Does.Contain("m{topic=\"a\\\\b\\\"c\\nd\"} 1\n"));
    }

    [Test]
    public void Help_EscapesBackslashAndNewlineButNotQuotes()
    {
        var text = PrometheusTextWriter.Write([
            new PrometheusFamily("m", PrometheusMetricType.Gauge, "two\nlines \\ \"quoted\"", [new PrometheusSeries(NoLabels, 1)]),
        ]);

        Assert.That(text, Does.StartWith("# HELP m two\\nlines \\\\ \"quoted\"\n"));
    }

    [Test]
    public void Histogram_WritesCumulativeBucketsInfSumAndCount()
    {
        var histogram = new PrometheusHistogram([0.1, 1], [3, 2, 1], Sum: 4.25, Count: 6);
        var text = PrometheusTextWriter.Write([
            new PrometheusFamily("cerebrum_inference_duration_seconds", PrometheusMetricType.Histogram, "Latency",
                [new PrometheusSeries([new("model", "add")], 0, histogram)]),
        ]);

        Assert.That(text, Is.EqualTo(
            "# HELP cerebrum_inference_duration_seconds Latency\n" +
            "# TYPE cerebrum_inference_duration_seconds histogram\n" +
            "cerebrum_inference_duration_seconds_bucket{model=\"add\",le=\"0.1\"} 3\n" +
            "cerebrum_inference_duration_seconds_bucket{model=\"add\",le=\"1\"} 5\n" +
            "cerebrum_inference_duration_seconds_bucket{model=\"add\",le=\"+Inf\"} 6\n" +
            "cerebrum_inference_duration_seconds_sum{model=\"add\"} 4.25\n" +
            "cerebrum_inference_duration_seconds_count{model=\"add\"} 6\n"));
    }

    [Test]
    public void Histogram_WithoutLabels_HasOnlyLe()
    {
        var text = PrometheusTextWriter.Write([
            new PrometheusFamily("h", PrometheusMetricType.Histogram, "x", [new PrometheusSeries(NoLabels, 0, new PrometheusHistogram([1], [0, 0], 0, 0))]),
        ]);

        Assert.That(text, Does.Contain("h_bucket{le=\"1\"} 0\n").And.Contain("h_bucket{le=\"+Inf\"} 0\n").And.Contain("h_sum 0\n"));
    }

    [TestCase(double.PositiveInfinity, "+Inf")]
    [TestCase(double.NegativeInfinity, "-Inf")]
    [TestCase(double.NaN, "NaN")]
    [TestCase(1e21, "1E+21")]
    [TestCase(0.001, "0.001")]
    [TestCase(-3.0, "-3")]
    public void Values_AreFormattedAsPrometheusParsesThem(double value, string expected) =>
        Assert.That(PrometheusTextWriter.FormatValue(value), Is.EqualTo(expected));
}
