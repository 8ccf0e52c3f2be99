using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference.Status;

namespace Cerebrum.Tests.Gateway;

/// <summary>Gateways route by the nodes' standing on the ledger: Active by default, Registered for a share, weighted by reputation.</summary>
[TestFixture]
public sealed class NodeAdmissionTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private static readonly ServedModel Model = new("add", "sha256:aa", "", [], []);

    [Test]
    public void ByDefault_OnlyActiveNodesAreAdmitted()
    {
        var options = new RoutingOptions();

        Assert.Multiple(() =>
        {
            Assert.That(RouteStanding.Of(Node(NodeLifecycle.Active), options), Is.EqualTo(new RouteStanding(true, 1_000_000)), "not measured yet: full weight");
            Assert.That(RouteStanding.Of(Node(NodeLifecycle.Active, reputation: 400_000), options), Is.EqualTo(new RouteStanding(true, 400_000)));
            Assert.That(RouteStanding.Of(Node(NodeLifecycle.Registered), options), Is.Null);
            Assert.That(RouteStanding.Of(Node(NodeLifecycle.Jailed), options), Is.Null);
            Assert.That(RouteStanding.Of(null, options), Is.Null, "not registered");
        });
    }

    [Test]
    public void AShareAdmitsRegisteredNodes_AsNewcomers_AndAnyAdmitsEveryNode()
    {
        var share = new RoutingOptions { RegisteredShare = 0.1 };
        var any = new RoutingOptions { Admission = NodeAdmission.Any };

        Assert.Multiple(() =>
        {
            Assert.That(RouteStanding.Of(Node(NodeLifecycle.Registered), share), Is.EqualTo(new RouteStanding(false, 1_000_000)));
            Assert.That(RouteStanding.Of(Node(NodeLifecycle.Jailed), share), Is.Null);
            Assert.That(RouteStanding.Of(null, any), Is.EqualTo(RouteStanding.Unchecked));
            Assert.That(RouteStanding.Of(Node(NodeLifecycle.Jailed, reputation: 100_000), any), Is.EqualTo(new RouteStanding(true, 100_000)));
        });
    }

    [Test]
    public void TheTable_LeavesOutNodesTheLedgerDoesNotAdmit_AndKeepsEveryNodeWithoutALedger()
    {
        var (active, registered, jailed, unknown) = (Heartbeats.NewNode(), Heartbeats.NewNode(), Heartbeats.NewNode(), Heartbeats.NewNode());
        var ledger = new Dictionary<PeerId, NodeState>
        {
            [active] = Node(NodeLifecycle.Active, reputation: 700_000),
            [registered] = Node(NodeLifecycle.Registered),
            [jailed] = Node(NodeLifecycle.Jailed),
        };
        var options = new RoutingOptions();
        var table = new RoutingTable(options);
        var heartbeats = new[] { active, registered, jailed, unknown }.Select(n => Heartbeats.Entry(n, 0, ("add", "sha256:01"))).ToList();

        table.Update(heartbeats, node => RouteStanding.Of(ledger.GetValueOrDefault(node), options));

        var route = table.Routes("add").Single();
        Assert.That(route.Node, Is.EqualTo(active));
        Assert.That(route.Standing, Is.EqualTo(new RouteStanding(true, 700_000)));

        table.Update(heartbeats);

        Assert.That(table.Routes("add").Select(r => r.Node), Is.EquivalentTo(new[] { active, registered, jailed, unknown }));
        Assert.That(table.Routes("add").Select(r => r.Standing), Has.All.EqualTo(RouteStanding.Unchecked));
    }

    [Test]
    public void ALowReputation_WinsLessOften_ThanAnEqualNodeWithAFullOne()
    {
        var (trusted, doubtful) = (Route(new RouteStanding(true, 1_000_000)), Route(new RouteStanding(true, 250_000)));
        var selector = new NodeSelector(new Random(11));

        // Claims are kept: a node's expected wait grows with its outstanding requests, divided by its reputation weight.
        var picks = Enumerable.Range(0, 20).Select(_ => selector.Select([trusted, doubtful], new HashSet<PeerId>(), 100, Now)!.Node).ToList();

        Assert.That(picks.Count(p => p == doubtful.Node), Is.InRange(3, 5), "about one in five: a quarter of the weight");
        Assert.That(picks.Count(p => p == trusted.Node), Is.InRange(15, 17));
    }

    [Test]
    public void Newcomers_GetTheirShareOfRequests_AndTheRestWhenNoVerifiedNodeCanTakeOne()
    {
        var (verified, newcomer) = (Route(new RouteStanding(true, 1_000_000)), Route(new RouteStanding(false, 1_000_000)));
        var selector = new NodeSelector(new Random(5));

        var toNewcomer = 0;
        for (var i = 0; i < 10_000; i++)
        {
            var route = selector.Select([verified, newcomer], new HashSet<PeerId>(), 100, Now, registeredShare: 0.1)!;
            if (route == newcomer) toNewcomer++;
            route.End();
        }

        Assert.That(toNewcomer, Is.InRange(850, 1150), "10 % of 10,000");
        Assert.That(selector.Select([verified, newcomer], new HashSet<PeerId> { verified.Node }, 100, Now, registeredShare: 0), Is.SameAs(newcomer),
            "with the verified node already tried, the newcomer takes the request");
    }

    [Test]
    public void ARegisteredShareOutsideZeroToOne_IsRefusedAtStartUp()
    {
        Assert.That(() => new RoutingOptions { RegisteredShare = 1.5 }.Validate(), Throws.ArgumentException.With.Message.Contains("RegisteredShare"));
        Assert.That(() => new RoutingOptions { Admission = (NodeAdmission)7 }.Validate(), Throws.ArgumentException.With.Message.Contains("Admission"));
    }

    private static NodeState Node(NodeLifecycle lifecycle, uint? reputation = null) => new()
    {
        Lifecycle = lifecycle,
        ReputationPpm = reputation ?? 0,
        History = new NodeHistory { ReputationSamples = reputation is null ? 0UL : 3UL },
    };

    private static NodeRoute Route(RouteStanding standing)
    {
        var route = new NodeRoute(Heartbeats.NewNode(), Model, new RoutingOptions());
        route.Refresh(Model, 0, 0, 0, standing);
        return route;
    }
}
