using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference.Status;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Tests.PubSub;

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

    [Test]
    public void A_node_leased_to_another_is_routed_around_and_its_tenants_gateway_still_routes_to_it()
    {
        var (leased, free, tenant, other) = (Heartbeats.NewNode(), Heartbeats.NewNode(), Heartbeats.NewNode(), Heartbeats.NewNode());
        var now = DateTimeOffset.UtcNow;
        var leasedEntry = Heartbeats.Entry(leased, 0, ("add", "sha256:01"));
        leasedEntry.Status.Status.LeasedUntilUnixMs = now.AddHours(1).ToUnixTimeMilliseconds();
        leasedEntry.Status.Status.Tenant = Google.Protobuf.ByteString.CopyFrom(tenant.Bytes.Span);
        var entries = new[] { leasedEntry, Heartbeats.Entry(free, 0, ("add", "sha256:01")) };
        var table = new RoutingTable(new RoutingOptions());

        table.Update(entries, now: now, self: other);
        Assert.That(table.Routes("add").Select(r => r.Node), Is.EqualTo(new[] { free }));
        table.Update(entries, now: now, self: tenant);
        Assert.That(table.Routes("add").Select(r => r.Node), Is.EquivalentTo(new[] { leased, free }));
        table.Update(entries, now: now.AddHours(2), self: other);
        Assert.That(table.Routes("add").Select(r => r.Node), Is.EquivalentTo(new[] { leased, free }), "once the lease has ended");
    }

    /// <summary>
    /// Issue 13 item 4: the gateway rebuilt its whole table from a copy of the status book four times a second (10,000
    /// node evaluations per refresh with a full book). Following the book's feed, a refresh judges only what changed.
    /// </summary>
    [Test]
    public void ARefreshFromTheBooksFeed_JudgesOnlyTheNodesThatChanged()
    {
        const int nodes = 10_000;
        var time = new ManualTimeProvider();
        var book = new NodeStatusBook(new NodeStatusBookOptions { Capacity = nodes, MinInterval = TimeSpan.Zero }, time);
        var ids = Enumerable.Range(0, nodes).Select(_ => Heartbeats.NewNode()).ToList();
        foreach (var id in ids) book.TryRecord(Heartbeats.Entry(id, 1, ("add", "sha256:01")).Status);
        var feed = book.Watch();
        var table = new RoutingTable(new RoutingOptions());
        table.Update(book.Snapshot());
        Assert.That(table.Evaluations, Is.EqualTo(nodes));

        table.Apply(book.Drain(feed), book);
        Assert.That(table.Evaluations, Is.EqualTo(nodes), "nothing changed: nothing judged");

        var repriced = Heartbeats.Entry(ids[7], 9, ("add", "sha256:01")).Status;
        repriced.Status.Sequence = 2;
        book.TryRecord(repriced);
        table.Apply(book.Drain(feed), book);

        Assert.That(table.Evaluations, Is.EqualTo(nodes + 1));
        Assert.That(table.Routes("add"), Has.Count.EqualTo(nodes));
        Assert.That(table.Routes("add").Single(r => r.Node == ids[7]).PricePerRequest, Is.EqualTo(9UL));

        time.Advance(book.Expiry);
        book.TryRecord(Heartbeats.Entry(ids[0], 1, ("mul", "sha256:02")).Status);
        table.Apply(book.Drain(feed), book);
        Assert.That(table.Routes("add"), Is.Empty, "the silent nodes expired");
        Assert.That(table.Routes("mul").Single().Node, Is.EqualTo(ids[0]));
        Assert.That(table.Models.Select(m => m.Name), Is.EqualTo(new[] { "mul" }));
    }

    [Test]
    public void AnAppliedTable_AnswersAsARebuiltOneDoes()
    {
        var time = new ManualTimeProvider();
        var book = new NodeStatusBook(new NodeStatusBookOptions { Capacity = 100, MinInterval = TimeSpan.Zero }, time);
        var feed = book.Watch();
        var (incremental, rebuilt) = (new RoutingTable(new RoutingOptions()), new RoutingTable(new RoutingOptions()));
        var ids = Enumerable.Range(0, 6).Select(_ => Heartbeats.NewNode()).ToList();
        var random = new Random(13);
        var sequence = 1UL;
        for (var round = 0; round < 40; round++)
        {
            var node = ids[random.Next(ids.Count)];
            var models = new[] { ("add", "sha256:01"), ("mul", "sha256:02"), ("add", "sha256:03") }.Where(_ => random.Next(2) == 0).ToArray();
            var entry = Heartbeats.Entry(node, (ulong)random.Next(5), models).Status;
            entry.Status.Sequence = ++sequence;
            book.TryRecord(entry);
            if (random.Next(8) == 0) time.Advance(TimeSpan.FromSeconds(10));
            incremental.Apply(book.Drain(feed), book);
            rebuilt.Update(book.Snapshot());

            foreach (var key in new[] { "add", "mul", "sha256:01", "sha256:02", "sha256:03" })
                Assert.That(incremental.Routes(key).Select(r => (r.Node, r.Model.Hash, r.PricePerRequest)),
                    Is.EquivalentTo(rebuilt.Routes(key).Select(r => (r.Node, r.Model.Hash, r.PricePerRequest))), $"round {round}, {key}");
            Assert.That(incremental.Models.Select(m => m.Name), Is.EqualTo(rebuilt.Models.Select(m => m.Name)), $"round {round}");
        }
    }

    [Test]
    public void ANodeLeasedToAnother_ComesBackWhenItsLeaseEnds_WithoutANewHeartbeat()
    {
        var (leased, tenant, self) = (Heartbeats.NewNode(), Heartbeats.NewNode(), Heartbeats.NewNode());
        var time = new ManualTimeProvider();
        var book = new NodeStatusBook(new NodeStatusBookOptions { Capacity = 10, Expiry = TimeSpan.FromHours(3) }, time);
        var feed = book.Watch();
        var status = Heartbeats.Entry(leased, 0, ("add", "sha256:01")).Status;
        status.Status.LeasedUntilUnixMs = time.GetUtcNow().AddHours(1).ToUnixTimeMilliseconds();
        status.Status.Tenant = Google.Protobuf.ByteString.CopyFrom(tenant.Bytes.Span);
        book.TryRecord(status);
        var table = new RoutingTable(new RoutingOptions());

        table.Apply(book.Drain(feed), book, now: time.GetUtcNow(), self: self);
        Assert.That(table.Routes("add"), Is.Empty);
        time.Advance(TimeSpan.FromHours(2));
        table.Apply(book.Drain(feed), book, now: time.GetUtcNow(), self: self);
        Assert.That(table.Routes("add").Single().Node, Is.EqualTo(leased));
    }

    [Test]
    public void TheLedgerIsReadOncePerNodeAndHeight()
    {
        var reads = 0;
        var cache = new LedgerReadCache(_ => { reads++; return new NodeState { Lifecycle = NodeLifecycle.Active }; }, _ => null);
        var node = Heartbeats.NewNode();

        Assert.That(cache.MoveTo(5), Is.True);
        for (var i = 0; i < 10; i++) cache.Node(node);
        Assert.That(reads, Is.EqualTo(1));
        Assert.That(cache.MoveTo(5), Is.False);
        cache.Node(node);
        Assert.That(reads, Is.EqualTo(1));
        Assert.That(cache.MoveTo(6), Is.True);
        cache.Node(node);
        Assert.That((reads, cache.LedgerReads), Is.EqualTo((2, 2L)));
    }

    [Test]
    public void The_ledger_names_hashes_by_reading_the_model_registry_once_per_height()
    {
        var listings = 0;
        var registry = new List<ModelState>
        {
            new() { Hash = "sha256:01", Name = "add" },
            new() { Hash = "sha256:02", Name = "add" },
            new() { Hash = "sha256:03", Name = "mul" },
        };
        var cache = new LedgerReadCache(_ => null, _ => null, () => { listings++; return registry; });
        cache.MoveTo(5);

        Assert.That(cache.ModelsNamed("add"), Is.EqualTo(new[] { "sha256:01", "sha256:02" }));
        Assert.That(cache.ModelsNamed("mul"), Is.EqualTo(new[] { "sha256:03" }));
        Assert.That(cache.ModelsNamed("nobody"), Is.Empty);
        Assert.That(listings, Is.EqualTo(1));
        registry.Add(new ModelState { Hash = "sha256:04", Name = "nobody" });
        Assert.That(cache.ModelsNamed("nobody"), Is.Empty, "the same height, the same answer");
        cache.MoveTo(6);
        Assert.That(cache.ModelsNamed("nobody"), Is.EqualTo(new[] { "sha256:04" }));
        Assert.That(listings, Is.EqualTo(2));
        Assert.That(new LedgerReadCache(_ => null, _ => null).ModelsNamed("add"), Is.Empty, "no registry listing, no names");
    }

    [Test]
    public void The_hashes_heard_under_a_name_are_remembered_after_their_nodes_leave_newest_last_and_bounded()
    {
        var node = Heartbeats.NewNode();
        var table = new RoutingTable(new RoutingOptions());
        table.Update([Heartbeats.Entry(node, 0, ("add", "sha256:01"))]);
        table.Update([]);
        Assert.That(table.Routes("add"), Is.Empty);
        Assert.That(table.HashesHeard("add"), Is.EqualTo(new[] { "sha256:01" }));
        Assert.That(table.HashesHeard("sha256:01"), Is.Empty, "a hash is no name");
        Assert.That(table.HashesHeard("mul"), Is.Empty);

        for (var i = 2; i <= RoutingTable.MaxHashesPerName + 1; i++)
            table.Update([Heartbeats.Entry(node, 0, ("add", $"sha256:0{i}"))]);
        Assert.That(table.HashesHeard("add"), Has.Count.EqualTo(RoutingTable.MaxHashesPerName));
        Assert.That(table.HashesHeard("add")[^1], Is.EqualTo($"sha256:0{RoutingTable.MaxHashesPerName + 1}"));
        Assert.That(table.HashesHeard("add"), Does.Not.Contain("sha256:01"), "the oldest is forgotten first");
    }
}
