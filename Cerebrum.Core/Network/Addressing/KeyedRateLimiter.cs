namespace Cerebrum.Core.Network.Addressing;

/// <summary>
/// At most <c>limit</c> events per key in each fixed window of time, with the time given by the caller. Memory is
/// bounded: at most <c>maxKeys</c> keys are tracked in a window, and an event for a key beyond that is refused (a
/// flood of distinct keys is itself the thing to stop). Windows are fixed rather than sliding, so a key may see up to
/// twice the limit across a window boundary; that is the price of O(1) memory per key. Not thread-safe.
/// </summary>
public sealed class KeyedRateLimiter<TKey>
    where TKey : notnull
{
    private readonly Dictionary<TKey, int> _counts;
    private readonly int _limit;
    private readonly int _maxKeys;
    private readonly TimeSpan _window;
    private DateTimeOffset _windowStart = DateTimeOffset.MinValue;

    /// <exception cref="ArgumentOutOfRangeException">A limit below 1 or a window that is not positive.</exception>
    public KeyedRateLimiter(int limit, TimeSpan window, int maxKeys, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxKeys, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        _limit = limit;
        _maxKeys = maxKeys;
        _window = window;
        _counts = new Dictionary<TKey, int>(comparer);
    }

    /// <summary>Counts an event for <paramref name="key"/> at <paramref name="now"/>; false when over the limit.</summary>
    public bool TryAcquire(TKey key, DateTimeOffset now)
    {
        if (now - _windowStart >= _window || now < _windowStart)
        {
            _counts.Clear();
            _windowStart = now;
        }
        if (_counts.TryGetValue(key, out var count))
        {
            if (count >= _limit)
                return false;
            _counts[key] = count + 1;
            return true;
        }
        if (_counts.Count >= _maxKeys)
            return false;
        _counts[key] = 1;
        return true;
    }
}
