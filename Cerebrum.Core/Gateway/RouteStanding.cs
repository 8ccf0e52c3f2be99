using Cerebrum.Core.Chain.Nodes;
using Cerebrum.Core.Chain.Proto;

namespace Cerebrum.Core.Gateway;

/// <summary>
/// What the ledger says of a node, as routing uses it: whether it is routed as Active or only as a Registered newcomer,
/// and its reputation (ppm; a node not yet measured counts as <see cref="NodeReputation.Max"/>).
/// </summary>
public readonly record struct RouteStanding(bool Verified, uint ReputationPpm)
{
    /// <summary>A node routed in full, with full weight: how a gateway without a ledger sees every node.</summary>
    public static readonly RouteStanding Unchecked = new(true, NodeReputation.Max);

    /// <summary>The least weight a reputation gives, so that a low figure slows a node's share rather than ending it.</summary>
    public const double MinimumWeight = 0.05;

    /// <summary>The factor by which reputation divides a route's expected wait: reputation / max, at least <see cref="MinimumWeight"/>.</summary>
    public double Weight => Math.Max(MinimumWeight, (double)Math.Min(ReputationPpm, NodeReputation.Max) / NodeReputation.Max);

    /// <summary>
    /// The standing of a node whose ledger record is <paramref name="node"/> (null: not registered), or null when
    /// <paramref name="options"/> do not admit it.
    /// </summary>
    public static RouteStanding? Of(NodeState? node, RoutingOptions options)
    {
        var reputation = node?.History is { ReputationSamples: > 0 } ? node.ReputationPpm : NodeReputation.Max;
        if (options.Admission == NodeAdmission.Any) return new RouteStanding(true, reputation);
        return node?.Lifecycle switch
        {
            NodeLifecycle.Active => new RouteStanding(true, reputation),
            NodeLifecycle.Registered when options.RegisteredShare > 0 => new RouteStanding(false, reputation),
            _ => null,
        };
    }
}
