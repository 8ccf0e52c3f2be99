using Cerebrum.Core.PubSub;
using Cerebrum.Core.PubSub.Proto;
using static Cerebrum.Tests.PubSub.CoreHarness;

namespace Cerebrum.Tests.PubSub;

public sealed class CacheTests
{
    private static MessageId Id(int i) => new(BitConverter.GetBytes(i));

    [Test]
    public void Seen_cache_forgets_ids_after_the_ttl()
    {
        var seen = new SeenCache(TimeSpan.FromSeconds(120));
        Assert.That(seen.Add(Id(1), TimeSpan.Zero), Is.True);
        Assert.That(seen.Add(Id(1), TimeSpan.FromSeconds(1)), Is.False);
        seen.Add(Id(2), TimeSpan.FromSeconds(60));
        seen.Sweep(TimeSpan.FromSeconds(119));
        Assert.That(seen.Contains(Id(1)), Is.True);
        seen.Sweep(TimeSpan.FromSeconds(120));
        Assert.That(seen.Contains(Id(1)), Is.False);
        Assert.That(seen.Contains(Id(2)), Is.True);
        seen.Sweep(TimeSpan.FromSeconds(180));
        Assert.That(seen.Count, Is.Zero);
    }

    [Test]
    public void Message_cache_keeps_history_length_windows_and_gossips_the_newest_windows()
    {
        var cache = new MessageCache(historyLength: 5, gossipWindows: 3);
        var message = new Message { Topic = Topic };
        for (var i = 0; i < 6; i++)
        {
            cache.Put(Id(i), message);
            cache.Put(Id(100 + i), new Message { Topic = "other" });
            cache.Shift();
        }
        // Five windows including the (empty) current one now hold ids 5,4,3,2 newest first; 0 and 1 were dropped.
        Assert.That(cache.TryGet(Id(1), out _), Is.False);
        Assert.That(cache.TryGet(Id(2), out _), Is.True);
        Assert.That(cache.GetGossipIds(Topic), Is.EqualTo(new[] { Id(5), Id(4) }));
        Assert.That(cache.GetGossipIds("other"), Is.EqualTo(new[] { Id(105), Id(104) }));
    }

    [Test]
    public void Message_cache_counts_retransmissions_per_peer()
    {
        var cache = new MessageCache(5, 3);
        cache.Put(Id(1), new Message { Topic = Topic });
        var (a, b) = (NewPeer(), NewPeer());
        cache.TryGetForPeer(Id(1), a, out _, out var first);
        cache.TryGetForPeer(Id(1), a, out _, out var second);
        cache.TryGetForPeer(Id(1), b, out _, out var other);
        Assert.That((first, second, other), Is.EqualTo((1, 2, 1)));
        Assert.That(cache.TryGetForPeer(Id(9), a, out _, out _), Is.False);
    }
}
