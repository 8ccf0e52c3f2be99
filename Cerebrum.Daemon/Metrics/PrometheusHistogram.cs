namespace Cerebrum.Daemon.Metrics;

/// <summary>A histogram series' state.</summary>
/// <param name="Bounds">Upper bounds of the finite buckets, ascending; the +Inf bucket is implied.</param>
/// <param name="BucketCounts">Observations per bucket, not cumulative: one per bound, then one for above the last bound.</param>
public sealed record PrometheusHistogram(IReadOnlyList<double> Bounds, IReadOnlyList<long> BucketCounts, double Sum, long Count);
