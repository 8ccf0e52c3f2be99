using Cerebrum.Core.Market.Storage;
using Cerebrum.Tests.Daemon;
using LiteDB;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Tests.Market.Storage;

/// <summary>
/// <see cref="MarketStore.Defer"/>: a change that starts no write of its own (a gateway's book, one per job) still
/// reaches the disk, with the next write or on its own within the deferral delay, and before the store closes.
/// </summary>
[TestFixture]
public sealed class MarketStoreTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static BsonDocument Document(string id, long value) => new() { ["_id"] = id, ["value"] = value };

    private static long? Stored(MarketStore store, string id) =>
        store.ReadAll("things").FirstOrDefault(d => d["_id"].AsString == id) is { } found ? found["value"].AsInt64 : null;

    [Test]
    public async Task A_deferred_change_goes_with_the_next_write_in_the_same_transaction()
    {
        using var directory = TemporaryDirectory.Create();
        await using var store = MarketStore.Open(directory.Path, NullLogger.Instance);
        var deferred = store.Defer("things", "a", Document("a", 1));
        await store.Write("things", "b", Document("b", 2)).WaitAsync(Bound);
        Assert.That(deferred.IsCompletedSuccessfully, Is.True, "written by the write that followed it");
        Assert.That(Stored(store, "a"), Is.EqualTo(1));
        Assert.That(Stored(store, "b"), Is.EqualTo(2));
    }

    [Test]
    public async Task A_deferred_change_alone_is_written_after_the_deferral_delay()
    {
        using var directory = TemporaryDirectory.Create();
        await using var store = MarketStore.Open(directory.Path, NullLogger.Instance);
        await store.Defer("things", "a", Document("a", 7)).WaitAsync(Bound);
        Assert.That(Stored(store, "a"), Is.EqualTo(7));
    }

    [Test]
    public async Task A_deferred_change_is_written_when_the_store_closes()
    {
        using var directory = TemporaryDirectory.Create();
        var store = MarketStore.Open(directory.Path, NullLogger.Instance);
        var deferred = store.Defer("things", "a", Document("a", 3));
        await store.DisposeAsync();
        Assert.That(deferred.IsCompletedSuccessfully, Is.True);
        await using var reopened = MarketStore.Open(directory.Path, NullLogger.Instance);
        Assert.That(Stored(reopened, "a"), Is.EqualTo(3));
    }
}
