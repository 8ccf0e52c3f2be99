using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Daemon.Metrics;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Inference;

/// <summary>An engine's <see cref="InferenceMetrics"/> follow the requests it runs.</summary>
[TestFixture]
public sealed class InferenceMetricsTests
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(20);
    private InferenceTestDirectory _dir = null!;
    private ModelStore _store = null!;
    private TestMeterFactory _factory = null!;
    private PrometheusExporter _exporter = null!;
    private InferenceEngine _engine = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new InferenceTestDirectory();
        _store = new ModelStore(_dir.Sub("data"));
        _store.Add(OnnxTestModels.Write(_dir.Sub("in"), "add.onnx", OnnxTestModels.AddFloat()), "add");
        _factory = new TestMeterFactory();
        _exporter = new PrometheusExporter(_factory);
        _engine = InferenceEngine.Start(new InferenceEngineOptions { Models = ["add"] }, _store, meterFactory: _factory);
    }

    [TearDown]
    public async Task TearDown()
    {
        await _engine.DisposeAsync();
        _exporter.Dispose();
        _factory.Dispose();
        _store.Dispose();
        _dir.Dispose();
    }

    private MetricsSnapshot Snapshot() => MetricsSnapshot.Of(_exporter);

    private static InferenceRequest AddRequest(DateTimeOffset deadline) => new("add",
        [Tensor.FromFloats("a", [1, 3], [1, 2, 3]), Tensor.FromFloats("b", [1, 3], [10, 20, 30])], deadline);

    [Test]
    public async Task CompletedRequest_CountsAndRecordsItsLatency()
    {
        Assert.That(Snapshot().Value("cerebrum_inference_requests_total", ("model", "add"), ("outcome", "completed")), Is.Zero);
        Assert.That(Snapshot().HistogramCount("cerebrum_inference_duration_seconds", ("model", "add")), Is.Zero);

        await _engine.RunAsync(AddRequest(DateTimeOffset.UtcNow + Bounded));

        // The result is handed over just before the worker counts it: wait for the count, boundedly.
        await Poll.UntilAsync(() => Snapshot().HistogramCount("cerebrum_inference_duration_seconds", ("model", "add")) == 1, Bounded);
        var after = Snapshot();
        Assert.That(after.Value("cerebrum_inference_requests_total", ("model", "add"), ("outcome", "completed")), Is.EqualTo(1));
        Assert.That(after.Value("cerebrum_inference_runs_total", ("model", "add")), Is.EqualTo(1));
        Assert.That(after.Value("cerebrum_inference_queue_depth", ("model", "add")), Is.Zero);
        Assert.That(after.Families.Single(f => f.Name == "cerebrum_inference_duration_seconds").Series.Single().Histogram!.Sum, Is.GreaterThan(0));
    }

    [Test]
    public void ExpiredRequest_IsCountedAsDeadlineExceeded_WithoutLatency()
    {
        Assert.ThrowsAsync<InferenceException>(() => _engine.RunAsync(AddRequest(DateTimeOffset.UtcNow - TimeSpan.FromSeconds(1))));

        var after = Snapshot();
        Assert.That(after.Value("cerebrum_inference_requests_total", ("model", "add"), ("outcome", "deadline_exceeded")), Is.EqualTo(1));
        Assert.That(after.HistogramCount("cerebrum_inference_duration_seconds", ("model", "add")), Is.Zero);
    }

    [Test]
    public async Task DisposedEngine_ReportsNoModelAnymore()
    {
        await _engine.DisposeAsync();

        Assert.That(Snapshot().Families.Single(f => f.Name == "cerebrum_inference_queue_depth").Series, Is.Empty);
    }
}
