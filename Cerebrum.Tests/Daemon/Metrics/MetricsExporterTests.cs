using System.Diagnostics.Metrics;
using Cerebrum.Daemon.Metrics;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Daemon.Metrics;

/// <summary>How <see cref="PrometheusExporter"/> aggregates the measurements of its factory's meters.</summary>
[TestFixture]
public sealed class MetricsExporterTests
{
    private TestMeterFactory _factory = null!;
    private PrometheusExporter _exporter = null!;
    private Meter _meter = null!;

    [SetUp]
    public void SetUp()
    {
        _factory = new TestMeterFactory();
        _exporter = new PrometheusExporter(_factory);
        _meter = _factory.Create(new MeterOptions("Cerebrum.Tests"));
    }

    [TearDown]
    public void TearDown()
    {
        _exporter.Dispose();
        _meter.Dispose();
        _factory.Dispose();
    }

    [Test]
    public void Counter_SumsPerTagSet_WhateverTheTagOrder()
    {
        var counter = _meter.CreateCounter<long>("cerebrum.test.things", "{thing}", "Things");
        counter.Add(2, new KeyValuePair<string, object?>("a", "1"), new KeyValuePair<string, object?>("b", "2"));
        counter.Add(3, new KeyValuePair<string, object?>("b", "2"), new KeyValuePair<string, object?>("a", "1"));
        counter.Add(7);

        var snapshot = MetricsSnapshot.Of(_exporter);

        Assert.That(snapshot.Value("cerebrum_test_things_total", ("a", "1"), ("b", "2")), Is.EqualTo(5));
        var family = snapshot.Families.Single(f => f.Name == "cerebrum_test_things_total");
        Assert.That(family.Series, Has.Count.EqualTo(2));
        Assert.That(family.Series.Single(s => s.Labels.Count == 0).Value, Is.EqualTo(7));
        Assert.That(family.Help, Is.EqualTo("Things"));
    }

    [Test]
    public void ObservableGauge_ReportsTheCurrentValueAtEachCollection()
    {
        var current = 3;
        _meter.CreateObservableGauge("cerebrum.test.level", () => current);

        var first = MetricsSnapshot.Of(_exporter).Value("cerebrum_test_level");
        current = 8;
        var second = MetricsSnapshot.Of(_exporter).Value("cerebrum_test_level");

        Assert.That((first, second), Is.EqualTo((3.0, 8.0)));
    }

    [Test]
    public void ObservableSeries_ThatDisappear_AreNotReportedAgain()
    {
        var topics = new List<string> { "x", "y" };
        _meter.CreateObservableGauge("cerebrum.test.mesh", () => topics.Select(t => new Measurement<int>(1, new KeyValuePair<string, object?>("topic", t))));

        Assert.That(MetricsSnapshot.Of(_exporter).Families.Single(f => f.Name == "cerebrum_test_mesh").Series, Has.Count.EqualTo(2));
        topics.Remove("x");
        Assert.That(MetricsSnapshot.Of(_exporter).Families.Single(f => f.Name == "cerebrum_test_mesh").Series, Has.Count.EqualTo(1));
    }

    [Test]
    public void Histogram_UsesTheAdvisedBuckets_WithAValueOnABoundInThatBucket()
    {
        var histogram = _meter.CreateHistogram("cerebrum.test.duration", "s", null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1] });
        histogram.Record(0.1);
        histogram.Record(0.5);
        histogram.Record(5);

        var series = MetricsSnapshot.Of(_exporter).Families.Single(f => f.Name == "cerebrum_test_duration_seconds").Series.Single();

        Assert.That(series.Histogram!.Bounds, Is.EqualTo(new[] { 0.1, 1 }));
        Assert.That(series.Histogram.BucketCounts, Is.EqualTo(new long[] { 1, 1, 1 }));
        Assert.That(series.Histogram.Count, Is.EqualTo(3));
        Assert.That(series.Histogram.Sum, Is.EqualTo(5.6).Within(1e-9));
    }

    [Test]
    public void MetersOfAnotherFactory_OrOutsideCerebrum_AreNotExported()
    {
        using var otherFactory = new TestMeterFactory();
        otherFactory.Create(new MeterOptions("Cerebrum.Tests")).CreateCounter<long>("cerebrum.test.elsewhere").Add(1);
        _factory.Create(new MeterOptions("Microsoft.AspNetCore.Hosting")).CreateCounter<long>("cerebrum.test.foreign").Add(1);
        _meter.CreateCounter<long>("cerebrum.test.ours").Add(1);

        var snapshot = MetricsSnapshot.Of(_exporter);

        Assert.That(snapshot.Has("cerebrum_test_ours_total"), Is.True);
        Assert.That(snapshot.Has("cerebrum_test_elsewhere_total"), Is.False);
        Assert.That(snapshot.Has("cerebrum_test_foreign_total"), Is.False);
    }
}
