using System.Net;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Status;
using Cerebrum.Core.Inference.Status.Proto;
using Cerebrum.Tests.PubSub;
using Google.Protobuf;

namespace Cerebrum.Tests.Inference.Status;

/// <summary>
/// The latest status per node: newer wins, entries expire, the size is bounded; and (issue 13 item 4) the book is not
/// first come, first served: fresh keys cannot lock registered nodes out, one IP gets only its share of unregistered
/// keys, one key only so many heartbeats, and a consumer follows the changes rather than copying the book.
/// </summary>
[TestFixture]
public sealed class NodeStatusBookTests
{
    private static readonly TimeSpan Expiry = TimeSpan.FromSeconds(30);
    private readonly ManualTimeProvider _time = new();
    private readonly List<PrivateKey> _keys = [];

    [TearDown]
    public void DisposeKeys()
    {
        foreach (var key in _keys) key.Dispose();
        _keys.Clear();
    }

    [Test]
    public void ANewerStatus_ReplacesTheHeldOne_AnOlderOrEqualOneDoesNot()
    {
        var book = new NodeStatusBook(Options(10), _time);
        var node = NewKey();

        Assert.That(book.TryRecord(Status(node, timestampMs: 1000, sequence: 5)), Is.Null);
        Assert.That(book.TryRecord(Status(node, timestampMs: 1000, sequence: 5)), Does.StartWith("not newer"));
        Assert.That(book.TryRecord(Status(node, timestampMs: 999, sequence: 9)), Does.StartWith("not newer"));
        Assert.That(book.TryRecord(Status(node, timestampMs: 1000, sequence: 6)), Is.Null);
        Assert.That(book.TryRecord(Status(node, timestampMs: 2000, sequence: 1)), Is.Null, "a restarted node starts its sequence again");

        var held = book.Find(node.PeerId)!.Status.Status;
        Assert.That((held.TimestampUnixMs, held.Sequence), Is.EqualTo((2000L, 1UL)));
        Assert.That(book.Snapshot(), Has.Count.EqualTo(1));
    }

    [Test]
    public void AnEntryNotRefreshedWithinTheExpiry_IsDropped()
    {
        var book = new NodeStatusBook(Options(10), _time);
        var a = NewKey();
        var b = NewKey();
        book.TryRecord(Status(a, 1000, 1));
        _time.Advance(TimeSpan.FromSeconds(20));
        book.TryRecord(Status(b, 1000, 1));

        _time.Advance(TimeSpan.FromSeconds(15));

        Assert.That(book.Snapshot().Select(e => e.Status.Node), Is.EqualTo(new[] { b.PeerId }));
        Assert.That(book.Find(a.PeerId), Is.Null);
        Assert.That(book.TryRecord(Status(a, 500, 1)), Is.Null, "an expired entry does not block an older timestamp");
    }

    [Test]
    public void AFullBook_RefusesNewNodes_UntilEntriesExpire_ButKeepsRefreshingKnownOnes()
    {
        var book = new NodeStatusBook(Options(2), _time);
        var a = NewKey();
        var b = NewKey();
        var c = NewKey();
        book.TryRecord(Status(a, 1000, 1));
        book.TryRecord(Status(b, 1000, 1));

        Assert.That(book.TryRecord(Status(c, 1000, 1)), Does.Contain("full"));
        Assert.That(book.TryRecord(Status(a, 2000, 2)), Is.Null);
        _time.Advance(Expiry);
        Assert.That(book.TryRecord(Status(c, 1000, 1)), Is.Null);
        Assert.That(book.Snapshot().Select(e => e.Status.Node), Is.EqualTo(new[] { c.PeerId }));
    }

    [Test]
    public void TheSnapshot_ListsTheMostRecentlyReceivedFirst()
    {
        var book = new NodeStatusBook(Options(10), _time);
        var a = NewKey();
        var b = NewKey();
        book.TryRecord(Status(a, 1000, 1));
        _time.Advance(TimeSpan.FromSeconds(1));
        book.TryRecord(Status(b, 1000, 1));

        var snapshot = book.Snapshot();

        Assert.That(snapshot.Select(e => e.Status.Node), Is.EqualTo(new[] { b.PeerId, a.PeerId }));
        Assert.That(snapshot[0].ReceivedAt, Is.EqualTo(_time.GetUtcNow()));
    }

    [Test]
    public void AFloodOfTenThousandFreshKeys_DoesNotLockOutRegisteredOrActiveNodes()
    {
        const int capacity = 10_000;
        var registered = NewKey();
        var active = NewKey();
        var standings = new Dictionary<PeerId, NodeStatusStanding> { [registered.PeerId] = NodeStatusStanding.Registered, [active.PeerId] = NodeStatusStanding.Active };
        var book = new NodeStatusBook(Options(capacity) with { MaxUnregisteredKeysPerIp = capacity + 1 }, _time,
            node => new NodeStatusPriority(standings.GetValueOrDefault(node), 0));
        // The attacker's keys arrive first, from as many IPs as it likes, and fill the book.
        var flood = Enumerable.Range(0, capacity + 100).Select(_ => FakeNode()).ToList();
        var refused = flood.Count(node => book.TryRecord(Status(node, 1000, 1), Ip($"10.{node.GetHashCode() & 0xff}.0.1")) is not null);
        Assert.That((book.Count, refused), Is.EqualTo((capacity, 100)), "past capacity, fresh keys are refused: they rank no higher than the held ones");

        Assert.That(book.TryRecord(Status(registered, 1000, 1)), Is.Null, "a registered node makes room for itself");
        Assert.That(book.TryRecord(Status(active, 1000, 1)), Is.Null, "an Active node makes room for itself");

        Assert.That(book.Find(registered.PeerId), Is.Not.Null);
        Assert.That(book.Find(active.PeerId), Is.Not.Null);
        Assert.That((book.Count, book.Evicted), Is.EqualTo((capacity, 2L)), "the two evicted were flood keys");
    }

    [Test]
    public void AnActiveNode_IsNeverEvictedForAnUnregisteredKey_AndTheLowestRankedGoesFirst()
    {
        var active = NewKey();
        var registered = NewKey();
        var newcomer = NewKey();
        var stranger = NewKey();
        var standings = new Dictionary<PeerId, NodeStatusStanding>
        {
            [active.PeerId] = NodeStatusStanding.Active, [registered.PeerId] = NodeStatusStanding.Registered, [newcomer.PeerId] = NodeStatusStanding.Active,
        };
        var book = new NodeStatusBook(Options(2), _time, node => new NodeStatusPriority(standings.GetValueOrDefault(node), 0));
        book.TryRecord(Status(active, 1000, 1));
        book.TryRecord(Status(registered, 1000, 1));

        Assert.That(book.TryRecord(Status(stranger, 1000, 1)), Does.Contain("full"));
        Assert.That(book.TryRecord(Status(newcomer, 1000, 1)), Is.Null);

        Assert.That(book.Snapshot().Select(e => e.Status.Node), Is.EquivalentTo(new[] { active.PeerId, newcomer.PeerId }), "the Registered node went, not the Active one");
    }

    [Test]
    public void WithinAStanding_AHigherScoreRanksHigher()
    {
        var low = NewKey();
        var high = NewKey();
        var scores = new Dictionary<PeerId, double> { [low.PeerId] = -10, [high.PeerId] = 5 };
        var book = new NodeStatusBook(Options(1), _time, node => new NodeStatusPriority(NodeStatusStanding.Unregistered, scores.GetValueOrDefault(node)));
        book.TryRecord(Status(low, 1000, 1));

        Assert.That(book.TryRecord(Status(high, 1000, 1)), Is.Null);
        Assert.That(book.TryRecord(Status(low, 2000, 2)), Does.Contain("full"));
        Assert.That(book.Snapshot().Single().Status.Node, Is.EqualTo(high.PeerId));
    }

    [Test]
    public void OneIpWithManyKeys_GetsOnlyItsShareOfUnregisteredNodes()
    {
        var registered = NewKey();
        var book = new NodeStatusBook(Options(1000) with { MaxUnregisteredKeysPerIp = 16 }, _time,
            node => node == registered.PeerId ? new NodeStatusPriority(NodeStatusStanding.Registered, 0) : NodeStatusPriority.Unregistered);
        var attacker = Ip("203.0.113.7");

        var accepted = Enumerable.Range(0, 200).Count(_ => book.TryRecord(Status(FakeNode(), 1000, 1), attacker) is null);

        Assert.That(accepted, Is.EqualTo(16));
        Assert.That(book.UnregisteredFrom(attacker), Is.EqualTo(16));
        Assert.That(book.TryRecord(Status(FakeNode(), 1000, 1), Ip("198.51.100.1")), Is.Null, "another IP still gets in");
        Assert.That(book.TryRecord(Status(registered, 1000, 1), attacker), Is.Null, "a registered node is not counted against its IP");
        Assert.That(book.Count, Is.EqualTo(18));
        _time.Advance(Expiry);
        Assert.That(book.TryRecord(Status(FakeNode(), 1000, 1), attacker), Is.Null, "expired entries give the IP its share back");
        Assert.That(book.UnregisteredFrom(attacker), Is.EqualTo(1));
    }

    [Test]
    public void AKeyHeartbeatingFasterThanTheMinimumInterval_HasTheExtraOnesIgnored()
    {
        var book = new NodeStatusBook(Options(10) with { MinInterval = TimeSpan.FromSeconds(1) }, _time);
        var node = NewKey();

        // A burst of three (heartbeats bunched by load pass), then one per interval.
        Assert.That(book.TryRecord(Status(node, 1000, 1)), Is.Null);
        Assert.That(book.TryRecord(Status(node, 1000, 2)), Is.Null);
        Assert.That(book.TryRecord(Status(node, 1000, 3)), Is.Null);
        Assert.That(book.TryRecord(Status(node, 1000, 4)), Does.Contain("at most one per 1000 ms"));
        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.That(book.TryRecord(Status(node, 1000, 5)), Does.Contain("at most one per"));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(book.TryRecord(Status(node, 1000, 6)), Is.Null);
        Assert.That(book.TryRecord(Status(node, 1000, 7)), Does.Contain("at most one per"));
        Assert.That(book.Find(node.PeerId)!.Status.Status.Sequence, Is.EqualTo(6UL));
    }

    [Test]
    public void AFeed_GivesOnlyTheNodesThatChanged_IncludingExpiredAndEvictedOnes()
    {
        var book = new NodeStatusBook(Options(10), _time);
        var a = NewKey();
        var b = NewKey();
        book.TryRecord(Status(a, 1000, 1));
        var feed = book.Watch();
        book.TryRecord(Status(b, 1000, 1));
        book.TryRecord(Status(b, 2000, 2));

        var first = book.Drain(feed);
        Assert.That(first.Reset, Is.False);
        Assert.That(first.Changed.Select(c => (c.Node, c.Entry!.Status.Status.Sequence)), Is.EqualTo(new[] { (b.PeerId, 2UL) }), "one entry per node, as it is now");
        Assert.That(book.Drain(feed).Changed, Is.Empty);

        _time.Advance(Expiry);
        var expired = book.Drain(feed);
        Assert.That(expired.Changed.Select(c => (c.Node, c.Entry)), Is.EquivalentTo(new[] { (a.PeerId, (NodeStatusEntry?)null), (b.PeerId, null) }));
    }

    [Test]
    public void AFeedThatFallsTooFarBehind_IsToldToRebuild()
    {
        var book = new NodeStatusBook(Options(2), _time);
        var feed = book.Watch();
        foreach (var _ in Enumerable.Range(0, 5))
        {
            book.TryRecord(Status(FakeNode(), 1000, 1));
            _time.Advance(Expiry);
        }

        Assert.That(book.Drain(feed).Reset, Is.True);
        Assert.That(book.Drain(feed), Has.Property(nameof(NodeStatusChanges.Reset)).False.And.Property(nameof(NodeStatusChanges.Changed)).Empty);
    }

    private static NodeStatusBookOptions Options(int capacity) => new() { Capacity = capacity, Expiry = Expiry, MinInterval = TimeSpan.Zero };

    private static IPNetwork Ip(string address) => new(IPAddress.Parse(address), 32);

    private PrivateKey FakeNode() => NewKey();

    private PrivateKey NewKey()
    {
        var key = PrivateKey.Generate(KeyType.Ed25519);
        _keys.Add(key);
        return key;
    }

    private static VerifiedNodeStatus Status(PrivateKey node, long timestampMs, ulong sequence) => new(node.PeerId, new NodeStatus
    {
        NodePeerId = ByteString.CopyFrom(node.PeerId.Bytes.Span),
        TimestampUnixMs = timestampMs,
        Sequence = sequence,
    });
}
