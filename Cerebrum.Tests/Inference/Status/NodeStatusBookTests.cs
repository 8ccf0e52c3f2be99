using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Status;
using Cerebrum.Core.Inference.Status.Proto;
using Cerebrum.Tests.PubSub;
using Google.Protobuf;

namespace Cerebrum.Tests.Inference.Status;

/// <summary>The latest status per node: newer wins, entries expire, the size is bounded.</summary>
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
        var book = new NodeStatusBook(10, Expiry, _time);
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
        var book = new NodeStatusBook(10, Expiry, _time);
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
        var book = new NodeStatusBook(2, Expiry, _time);
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
        var book = new NodeStatusBook(10, Expiry, _time);
        var a = NewKey();
        var b = NewKey();
        book.TryRecord(Status(a, 1000, 1));
        _time.Advance(TimeSpan.FromSeconds(1));
        book.TryRecord(Status(b, 1000, 1));

        var snapshot = book.Snapshot();

        Assert.That(snapshot.Select(e => e.Status.Node), Is.EqualTo(new[] { b.PeerId, a.PeerId }));
        Assert.That(snapshot[0].ReceivedAt, Is.EqualTo(_time.GetUtcNow()));
    }

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
