using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Gateway;

namespace Cerebrum.Tests.Gateway;

/// <summary>
/// Issue 13 item 4: any key could pose as a model's node. Routes now come from the ledger (registered, staked nodes
/// listing registered model hashes, under the ledger's names) or the operator's list, never from a heartbeat alone.
/// </summary>
[TestFixture]
public sealed class RouteAdmissionTests
{
    private const string MiniLm = "all-minilm-l6-v2";
    private static readonly string Real = "sha256:" + new string('1', 64);
    private static readonly string Fake = "sha256:" + new string('2', 64);
    private const ulong MinStake = 1_000_000;

    private readonly Dictionary<PeerId, NodeState> _nodes = [];
    private readonly Dictionary<string, ModelState> _models = new(StringComparer.Ordinal);

    private LedgerRouteAdmission Ledger(Func<PeerId, NodeState, bool>? eligible = null) =>
        new(id => _nodes.GetValueOrDefault(id), hash => _models.GetValueOrDefault(hash), () => MinStake, eligible);

    private PeerId Registered(ulong stake, params string[] hashes)
    {
        var node = Heartbeats.NewNode();
        var state = new NodeState { Stake = stake, Region = "eu" };
        state.ModelHashes.AddRange(hashes);
        _nodes[node] = state;
        return node;
    }

    [SetUp]
    public void SetUp()
    {
        _nodes.Clear();
        _models.Clear();
        _models[Real] = new ModelState { Hash = Real, Name = MiniLm, Task = "text-embedding" };
    }

    [Test]
    public void AFreshKeyAnnouncingAModelsNameUnderAnotherHash_GetsNoRoute()
    {
        var honest = Registered(MinStake, Real);
        var impostor = Heartbeats.NewNode(); // never registered: a key and a heartbeat are all it has
        var table = new RoutingTable(new RoutingOptions(), Ledger());

        table.Update([Heartbeats.Entry(honest, 0, (MiniLm, Real)), Heartbeats.Entry(impostor, 0, (MiniLm, Fake)), Heartbeats.Entry(impostor, 0, (MiniLm, Real))]);

        Assert.That(table.Routes(MiniLm).Select(r => r.Node), Is.EqualTo(new[] { honest }));
        Assert.That(table.Routes(Fake), Is.Empty);
        Assert.That(table.Refused, Is.EqualTo(2));
    }

    [Test]
    public void ARegisteredNode_IsRoutedOnlyForItsRegisteredHashes_UnderTheLedgersName_AndOnlyWhileStaked()
    {
        var node = Registered(MinStake, Real);
        var understaked = Registered(MinStake - 1, Real);
        _models[Fake] = new ModelState { Hash = Fake, Name = "other-model", Task = "tensor" };
        var table = new RoutingTable(new RoutingOptions(), Ledger());

        // The node claims the name "renamed" for the real hash, and serves a registered hash it did not list.
        table.Update([Heartbeats.Entry(node, 0, ("renamed", Real), ("other-model", Fake)), Heartbeats.Entry(understaked, 0, (MiniLm, Real))]);

        Assert.That(table.Routes(MiniLm).Select(r => r.Node), Is.EqualTo(new[] { node }), "the ledger's name, not the heartbeat's");
        Assert.That(table.Routes("renamed"), Is.Empty);
        Assert.That(table.Routes("other-model"), Is.Empty, "not in the node's registration");
        Assert.That(table.Models.Select(m => m.Name), Is.EqualTo(new[] { MiniLm }));
    }

    [Test]
    public void TheEligibilitySeam_CanRefuseARegisteredNode()
    {
        var node = Registered(MinStake, Real);
        var table = new RoutingTable(new RoutingOptions(), Ledger(eligible: (_, _) => false));

        table.Update([Heartbeats.Entry(node, 0, (MiniLm, Real))]);

        Assert.That(table.Routes(MiniLm), Is.Empty);
    }

    [Test]
    public void AListedAdmission_RoutesOnlyTheListedNodes()
    {
        var (listed, stranger) = (Heartbeats.NewNode(), Heartbeats.NewNode());
        var table = new RoutingTable(new RoutingOptions(), new ListedRouteAdmission(new HashSet<PeerId> { listed }));

        table.Update([Heartbeats.Entry(listed, 0, (MiniLm, Real)), Heartbeats.Entry(stranger, 0, (MiniLm, Fake))]);

        Assert.That(table.Routes(MiniLm).Select(r => r.Node), Is.EqualTo(new[] { listed }));
    }
}
