using System.Collections.Concurrent;

namespace Cerebrum.Daemon.Cloud;

/// <summary>
/// Each API key's usage over time, for Cerebrum Cloud's chart: a point (time, requests, micro-CER spent, both cumulative)
/// whenever the key's figures changed since its last point, sampled by the gateway each time it flushes its usage book
/// (<c>Gateway:UsageFlushInterval</c>). In memory only and bounded: <see cref="PointsPerKey"/> points per key, and only
/// keys the usage book still holds (a revoked key's history goes with it). A restart starts the chart afresh; the
/// totals themselves live in <c>gateway.db</c>.
/// </summary>
public sealed class CloudUsageHistory
{
    public const int PointsPerKey = 240;

    private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);

    /// <summary>Records the usage book's <paramref name="snapshot"/> at <paramref name="now"/>.</summary>
    public void Sample(IReadOnlyDictionary<string, (long Requests, ulong Spent)> snapshot, DateTimeOffset now)
    {
        foreach (var name in _series.Keys)
            if (!snapshot.ContainsKey(name)) _series.TryRemove(name, out _);
        foreach (var (name, (requests, spent)) in snapshot)
        {
            var series = _series.GetOrAdd(name, static _ => new Series());
            lock (series.Points)
            {
                if (series.Points.Count > 0 && series.Points[^1].Requests == requests && series.Points[^1].Spent == spent) continue;
                if (series.Points.Count == PointsPerKey) series.Points.RemoveAt(0);
                series.Points.Add(new CloudUsagePoint(now.UtcDateTime, requests, spent));
            }
        }
    }

    /// <summary>The key's points, oldest first (empty when nothing was sampled yet).</summary>
    public IReadOnlyList<CloudUsagePoint> Of(string name)
    {
        if (!_series.TryGetValue(name, out var series)) return [];
        lock (series.Points) return [.. series.Points];
    }

    private sealed class Series
    {
        public readonly List<CloudUsagePoint> Points = [];
    }
}
