using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Daemon.Metrics;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Gateway;

/// <summary>A dispatcher's <see cref="GatewayMetrics"/>: dispatches by outcome, and their latency.</summary>
[TestFixture]
public sealed class GatewayMetricsTests
{
    private static readonly Tensor[] Input = [Tensor.FromFloats("a", [1, 3], [1, 2, 3])];

    [Test]
    public async Task AnsweredAndUnknownModelRequests_AreCountedByOutcome()
    {
        using var factory = new TestMeterFactory();
        using var exporter = new PrometheusExporter(factory);
        var node = Heartbeats.NewNode();
        var table = new RoutingTable(new RoutingOptions());
        table.Update([Heartbeats.Entry(node, 0, ("add", "sha256:01"))]);
        var dispatcher = new InferDispatcher(table, new NodeSelector(new Random(1)), new ScriptedNodeClient(), TimeProvider.System, meterFactory: factory);

        await dispatcher.DispatchAsync("add", Input, DateTimeOffset.UtcNow.AddSeconds(5), CancellationToken.None);
        Assert.ThrowsAsync<GatewayException>(() => dispatcher.DispatchAsync("mul", Input, DateTimeOffset.UtcNow.AddSeconds(5), CancellationToken.None));

        var snapshot = MetricsSnapshot.Of(exporter);
        Assert.That(snapshot.Value("cerebrum_gateway_dispatches_total", ("outcome", "ok")), Is.EqualTo(1));
        Assert.That(snapshot.Value("cerebrum_gateway_dispatches_total", ("outcome", "unknown_model")), Is.EqualTo(1));
        Assert.That(snapshot.HistogramCount("cerebrum_gateway_dispatch_duration_seconds", ("outcome", "ok")), Is.EqualTo(1));
    }
}
