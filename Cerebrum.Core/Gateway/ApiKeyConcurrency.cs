namespace Cerebrum.Core.Gateway;

/// <summary>
/// Requests in flight per API key, capped (issue 13 item 13): the rate limit bounds how often a key may start a request,
/// this bounds how many it holds at once (slow bodies, long jobs), so one key cannot take every connection and job slot
/// of the gateway. Thread-safe.
/// </summary>
public sealed class ApiKeyConcurrency(int maxPerKey)
{
    private readonly Dictionary<string, int> _inFlight = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public int MaxPerKey { get; } = maxPerKey > 0 ? maxPerKey : throw new ArgumentOutOfRangeException(nameof(maxPerKey), maxPerKey, "must be positive");

    /// <summary>Requests <paramref name="key"/> holds now.</summary>
    public int InFlight(string key)
    {
        lock (_lock) return _inFlight.GetValueOrDefault(key);
    }

    /// <summary>Takes a slot for <paramref name="key"/> when it holds fewer than <see cref="MaxPerKey"/>.</summary>
    public bool TryEnter(string key)
    {
        lock (_lock)
        {
            var held = _inFlight.GetValueOrDefault(key);
            if (held >= MaxPerKey) return false;
            _inFlight[key] = held + 1;
            return true;
        }
    }

    public void Exit(string key)
    {
        lock (_lock)
        {
            var held = _inFlight.GetValueOrDefault(key) - 1;
            if (held > 0) _inFlight[key] = held;
            else _inFlight.Remove(key);
        }
    }
}
