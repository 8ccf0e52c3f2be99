using Cerebrum.Core.Gateway;

namespace Cerebrum.Tests.Gateway;

[TestFixture]
public sealed class TokenBucketTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public void TheBurstIsSpent_ThenTheBucketRefillsAtTheRate()
    {
        var bucket = new TokenBucket(ratePerSecond: 2, burst: 2, T0);

        Assert.That(bucket.TryTake(T0, out _), Is.True);
        Assert.That(bucket.TryTake(T0, out _), Is.True);
        Assert.That(bucket.TryTake(T0, out var retryAfter), Is.False);
        Assert.That(retryAfter, Is.EqualTo(TimeSpan.FromSeconds(0.5)).Within(TimeSpan.FromMilliseconds(1)));

        Assert.That(bucket.TryTake(T0.AddSeconds(0.49), out _), Is.False);
        Assert.That(bucket.TryTake(T0.AddSeconds(0.5), out _), Is.True);
    }

    [Test]
    public void ALongIdle_RefillsNoMoreThanTheBurst()
    {
        var bucket = new TokenBucket(ratePerSecond: 1, burst: 3, T0);
        for (var i = 0; i < 3; i++) bucket.TryTake(T0, out _);

        var later = T0.AddHours(1);
        var taken = Enumerable.Range(0, 10).Count(i => bucket.TryTake(later, out var _));

        Assert.That(taken, Is.EqualTo(3));
    }

    [Test]
    public void KeysWithoutARate_AreUnlimited_AndEachRatedKeyHasItsOwnBucket()
    {
        var limiter = new ApiKeyRateLimiter();
        var unlimited = new ApiKey("free", "00", 0, T0);
        var limited = new ApiKey("slow", "11", 1, T0);
        var other = new ApiKey("other", "22", 1, T0);

        Assert.That(Enumerable.Range(0, 100).All(i => limiter.TryAcquire(unlimited, T0, out var _)), Is.True);
        Assert.That(limiter.TryAcquire(limited, T0, out _), Is.True);
        Assert.That(limiter.TryAcquire(limited, T0, out var wait), Is.False);
        Assert.That(wait, Is.GreaterThan(TimeSpan.Zero));
        Assert.That(limiter.TryAcquire(other, T0, out _), Is.True);
    }
}
