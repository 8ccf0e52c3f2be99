using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Tests.Gateway;

[TestFixture]
public sealed class RoutingTableTests
{
    [Test]
    public void Heartbeats_BecomeRoutes_ByNameAndByHash_WithTheModelsSignature()
    {
        var (a, b) = (Heartbeats.NewNode(), Heartbeats.NewNode());
        var table = new RoutingTable(new RoutingOptions());

        table.Update([Heartbeats.Entry(a, 5, ("add", "sha256:01"), ("mul", "sha256:02")), Heartbeats.Entry(b, 3, ("add", "sha256:01"))]);

        Assert.That(table.Routes("add").Select(r => r.Node), Is.EquivalentTo(new[] { a, b }));
        Assert.That(table.Routes("sha256:02").Single().Node, Is.EqualTo(a));
        Assert.That(table.Routes("add").Single(r => r.Node == b).PricePerRequest, Is.EqualTo(3UL));
        Assert.That(table.Models.Select(m => m.Name), Is.EqualTo(new[] { "add", "mul" }));
        var add = table.FindModel("add")!;
        Assert.That(add.Inputs.Single().DataType, Is.EqualTo(TensorDataType.Float32));
        Assert.That(add.Inputs.Single().Dimensions, Is.EqualTo(new long[] { -1, 3 }));
        Assert.That(table.Routes("nothing"), Is.Empty);
    }

    [Test]
    public void ARefresh_KeepsTheMeasurements_AndANodeThatIsGone_LeavesTheTable()
    {
        var (a, b) = (Heartbeats.NewNode(), Heartbeats.NewNode());
        var table = new RoutingTable(new RoutingOptions());
        table.Update([Heartbeats.Entry(a, 0, ("add", "sha256:01")), Heartbeats.Entry(b, 0, ("add", "sha256:01"))]);
        var routeA = table.Routes("add").Single(r => r.Node == a);
        routeA.RecordSuccess(TimeSpan.FromMilliseconds(40));

        table.Update([Heartbeats.Entry(a, 0, ("add", "sha256:01"))]);

        Assert.That(table.Routes("add").Single(), Is.SameAs(routeA));
        Assert.That(routeA.Served, Is.EqualTo(1));
        table.Update([]);
        Assert.That(table.Routes("add"), Is.Empty);
        Assert.That(table.HasSeen("add"), Is.True, "a model once served is remembered, to answer 503 rather than 404");
        Assert.That(table.HasSeen("mul"), Is.False);
    }
}
