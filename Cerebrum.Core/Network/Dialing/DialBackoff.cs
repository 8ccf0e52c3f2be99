using System.Collections.Concurrent;

namespace Cerebrum.Core.Network.Dialing;

/// <summary>
/// Per-target exponential dial backoff (as go-libp2p's swarm does): after a failed dial, further dials to the
/// same target fail fast until the backoff passes; a success clears it.
/// </summary>
public sealed class DialBackoff
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeSpan _base;
    private readonly TimeSpan _max;
    private readonly TimeProvider _time;

    public DialBackoff(TimeSpan @base, TimeSpan max, TimeProvider time)
    {
        _base = @base;
        _max = max;
        _time = time;
    }

    /// <summary>Returns how long until <paramref name="target"/> may be dialed again, or null when it may be dialed now.</summary>
    public TimeSpan? RemainingFor(string target)
    {
        if (!_entries.TryGetValue(target, out var entry)) return null;
        var remaining = entry.Until - _time.GetUtcNow();
        return remaining > TimeSpan.Zero ? remaining : null;
    }

    public void RecordFailure(string target)
    {
        if (_base == TimeSpan.Zero) return;
        _entries.AddOrUpdate(target,
            _ => new Entry(1, _time.GetUtcNow() + _base),
            (_, old) =>
            {
                var failures = old.Failures + 1;
                var delay = TimeSpan.FromTicks(Math.Min(_max.Ticks, _base.Ticks << Math.Min(failures - 1, 30)));
                return new Entry(failures, _time.GetUtcNow() + delay);
            });
        if (_entries.Count > 10_000) Prune();
    }

    public void RecordSuccess(string target) => _entries.TryRemove(target, out _);

    private void Prune()
    {
        var now = _time.GetUtcNow();
        foreach (var (key, entry) in _entries)
        {
            if (entry.Until < now) _entries.TryRemove(key, out _);
        }
    }

    private readonly record struct Entry(int Failures, DateTimeOffset Until);
}
