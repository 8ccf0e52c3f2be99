using Cerebrum.Core.Crypto;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference.Status;

namespace Cerebrum.Tests.Gateway;

[TestFixture]
public sealed class NodeSelectorTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private readonly RoutingOptions _options = new() { FailureThreshold = 1 };

    [Test]
    public void EqualNodes_ShareTheLoad()
    {
        var routes = Routes(4);
        var selector = new NodeSelector(new Random(7));
        var counts = routes.ToDictionary(r => r.Node, _ => 0);

        for (var i = 0; i < 4000; i++)
        {
            var route = selector.Select(routes, new HashSet<PeerId>(), 100, Now)!;
            counts[route.Node]++;
            route.End();
        }

        Assert.That(counts.Values, Has.All.InRange(800, 1200));
    }

    [Test]
    public void OfTwoDrawn_TheOneWithFewerOutstanding_Wins()
    {
        var routes = Routes(2);
        for (var i = 0; i < 5; i++) Assert.That(routes[0].TryBegin(100), Is.True);
        var selector = new NodeSelector(new Random(1));

        var picks = Enumerable.Range(0, 50).Select(_ =>
        {
            var route = selector.Select(routes, new HashSet<PeerId>(), 100, Now)!;
            route.End();
            return route.Node;
        }).ToList();

        Assert.That(picks, Has.All.EqualTo(routes[1].Node));
    }

    [Test]
    public void OfTwoDrawn_TheFasterOne_Wins()
    {
        var routes = Routes(2);
        routes[0].RecordSuccess(TimeSpan.FromMilliseconds(200));
        routes[1].RecordSuccess(TimeSpan.FromMilliseconds(1));
        var selector = new NodeSelector(new Random(3));

        var route = selector.Select(routes, new HashSet<PeerId>(), 100, Now)!;

        Assert.That(route.Node, Is.EqualTo(routes[1].Node));
        Assert.That(route.Outstanding, Is.EqualTo(1), "the pick claims a slot");
    }

    [Test]
    public void TriedFullAndFailingNodes_AreSkipped()
    {
        var routes = Routes(4);
        routes[0].RecordFailure(Now); // breaker threshold 1: open
        Assert.That(routes[1].TryBegin(1), Is.True); // full at a limit of 1
        var tried = new HashSet<PeerId> { routes[2].Node };
        var selector = new NodeSelector(new Random(5));

        var route = selector.Select(routes, tried, 1, Now);

        Assert.That(route!.Node, Is.EqualTo(routes[3].Node));
        Assert.That(selector.Select(routes, tried, 1, Now), Is.Null, "nothing is left");
    }

    private List<NodeRoute> Routes(int count)
    {
        var model = new ServedModel("add", "sha256:aa", "", [], []);
        return [.. Enumerable.Range(0, count).Select(_ => new NodeRoute(Heartbeats.NewNode(), model, _options))];
    }
}
