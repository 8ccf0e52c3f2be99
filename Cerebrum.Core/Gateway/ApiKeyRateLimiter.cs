namespace Cerebrum.Core.Gateway;

/// <summary>One <see cref="TokenBucket"/> per API key with a rate limit (burst = one second's worth, at least 1). Thread-safe.</summary>
public sealed class ApiKeyRateLimiter
{
    private readonly Dictionary<string, TokenBucket> _buckets = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <returns>True when the request may proceed; otherwise <paramref name="retryAfter"/> says when the next one may.</returns>
    public bool TryAcquire(ApiKey key, DateTimeOffset now, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (key.RatePerSecond <= 0) return true;
        TokenBucket bucket;
        lock (_gate)
        {
            if (!_buckets.TryGetValue(key.HashHex, out bucket!))
                _buckets[key.HashHex] = bucket = new TokenBucket(key.RatePerSecond, Math.Max(1, key.RatePerSecond), now);
        }
        return bucket.TryTake(now, out retryAfter);
    }
}
