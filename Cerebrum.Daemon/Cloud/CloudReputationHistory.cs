using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Daemon.Cloud;

/// <summary>
/// Registered nodes' reputation over time, for Cerebrum Cloud's chart, kept by the gateway (the ledger holds only the
/// current value): sampled once per new ledger height, a point (height, block time, ppm) whenever a node's reputation
/// differs from its last point. In memory and bounded: <see cref="PointsPerNode"/> points per node, and only nodes still
/// registered. A restarted gateway starts each chart at the value the ledger holds then.
/// </summary>
public sealed class CloudReputationHistory
{
    public const int PointsPerNode = 120;

    private readonly Lock _gate = new();
    private readonly Dictionary<PeerId, List<CloudReputationPoint>> _series = [];
    private ulong _height;

    /// <summary>Samples <paramref name="nodes"/> at ledger <paramref name="height"/> (a height seen before is skipped).</summary>
    public void Sample(ulong height, DateTimeOffset blockTime, Func<IReadOnlyList<(PeerId Id, NodeState Node)>> nodes)
    {
        lock (_gate)
        {
            if (height <= _height && _series.Count > 0) return;
            _height = height;
            var registered = nodes();
            var present = registered.Select(n => n.Id).ToHashSet();
            foreach (var gone in _series.Keys.Where(id => !present.Contains(id)).ToList())
                _series.Remove(gone);
            foreach (var (id, node) in registered)
            {
                if (!_series.TryGetValue(id, out var points)) _series[id] = points = [];
                if (points.Count > 0 && points[^1].ReputationPpm == node.ReputationPpm) continue;
                if (points.Count == PointsPerNode) points.RemoveAt(0);
                points.Add(new CloudReputationPoint(height, blockTime.UtcDateTime, node.ReputationPpm));
            }
        }
    }

    /// <summary>The node's points, oldest first.</summary>
    public IReadOnlyList<CloudReputationPoint> Of(PeerId node)
    {
        lock (_gate) return _series.TryGetValue(node, out var points) ? [.. points] : [];
    }
}
