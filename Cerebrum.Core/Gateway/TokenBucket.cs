namespace Cerebrum.Core.Gateway;

/// <summary>
/// A token bucket fed the time by its caller: holds up to <c>burst</c> tokens, refilled at <c>ratePerSecond</c>; each
/// request takes one. Thread-safe.
/// </summary>
public sealed class TokenBucket
{
    private readonly Lock _gate = new();
    private readonly double _ratePerSecond;
    private readonly double _burst;
    private double _tokens;
    private DateTimeOffset _last;

    /// <exception cref="ArgumentOutOfRangeException">The rate or burst is not positive.</exception>
    public TokenBucket(double ratePerSecond, double burst, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ratePerSecond, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        _ratePerSecond = ratePerSecond;
        _burst = burst;
        _tokens = burst;
        _last = now;
    }

    /// <summary>Takes a token if one is there; otherwise says how long until one will be.</summary>
    public bool TryTake(DateTimeOffset now, out TimeSpan retryAfter)
    {
        lock (_gate)
        {
            if (now > _last)
            {
                _tokens = Math.Min(_burst, _tokens + (now - _last).TotalSeconds * _ratePerSecond);
                _last = now;
            }
            if (_tokens >= 1)
            {
                _tokens -= 1;
                retryAfter = TimeSpan.Zero;
                return true;
            }
            retryAfter = TimeSpan.FromSeconds((1 - _tokens) / _ratePerSecond);
            return false;
        }
    }
}
