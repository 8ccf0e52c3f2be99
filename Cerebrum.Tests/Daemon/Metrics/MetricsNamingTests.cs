using System.Diagnostics.Metrics;
using Cerebrum.Daemon.Metrics;

namespace Cerebrum.Tests.Daemon.Metrics;

/// <summary>Instrument names to Prometheus family names (<see cref="PrometheusNaming"/>).</summary>
[TestFixture]
public sealed class MetricsNamingTests
{
    private Meter _meter = null!;

    [SetUp]
    public void CreateMeter() => _meter = new Meter("Cerebrum.Tests.Naming");

    [TearDown]
    public void DisposeMeter() => _meter.Dispose();

    [Test]
    public void CounterInBytes_GetsBytesAndTotalSuffixes() =>
        Assert.That(PrometheusNaming.FamilyName(_meter.CreateCounter<long>("cerebrum.network.sent", "By")), Is.EqualTo("cerebrum_network_sent_bytes_total"));

    [Test]
    public void HistogramInSeconds_GetsSecondsSuffixOnly() =>
        Assert.That(PrometheusNaming.FamilyName(_meter.CreateHistogram<double>("cerebrum.inference.duration", "s")), Is.EqualTo("cerebrum_inference_duration_seconds"));

    [Test]
    public void GaugeWithAnnotationUnit_GetsNoSuffix() =>
        Assert.That(PrometheusNaming.FamilyName(_meter.CreateObservableGauge("cerebrum.network.peers", () => 1, "{peer}")), Is.EqualTo("cerebrum_network_peers"));

    [Test]
    public void ObservableCounter_IsACounterWithTotal()
    {
        var instrument = _meter.CreateObservableCounter("cerebrum.pubsub.messages.received", () => 1L, "{message}");

        Assert.That(PrometheusNaming.TypeOf(instrument), Is.EqualTo(PrometheusMetricType.Counter));
        Assert.That(PrometheusNaming.FamilyName(instrument), Is.EqualTo("cerebrum_pubsub_messages_received_total"));
    }

    [Test]
    public void UpDownCounter_IsAGauge() =>
        Assert.That(PrometheusNaming.TypeOf(_meter.CreateUpDownCounter<int>("x")), Is.EqualTo(PrometheusMetricType.Gauge));

    [TestCase("a.b-c/d", "a_b_c_d")]
    [TestCase("9lives", "_9lives")]
    [TestCase("ok_name", "ok_name")]
    public void Sanitize_LeavesOnlyLettersDigitsAndUnderscores(string name, string expected) =>
        Assert.That(PrometheusNaming.Sanitize(name), Is.EqualTo(expected));
}
