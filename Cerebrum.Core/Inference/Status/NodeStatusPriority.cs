namespace Cerebrum.Core.Inference.Status;

/// <summary>
/// How much a node's place in a full <see cref="NodeStatusBook"/> matters: its standing first (what the ledger says of
/// it), then a score (the gossip score of its peer, when connected). The lowest is evicted first, and only for a node
/// that ranks strictly higher, so an unregistered key can never push out a registered node.
/// </summary>
public readonly record struct NodeStatusPriority(NodeStatusStanding Standing, double Score) : IComparable<NodeStatusPriority>
{
    /// <summary>A node the ledger does not know, with a neutral score: what a book without a ledger gives every node.</summary>
    public static readonly NodeStatusPriority Unregistered = new(NodeStatusStanding.Unregistered, 0);

    public int CompareTo(NodeStatusPriority other)
    {
        var byStanding = Standing.CompareTo(other.Standing);
        return byStanding != 0 ? byStanding : Score.CompareTo(other.Score);
    }

    public static bool operator <(NodeStatusPriority a, NodeStatusPriority b) => a.CompareTo(b) < 0;

    public static bool operator >(NodeStatusPriority a, NodeStatusPriority b) => a.CompareTo(b) > 0;

    public static bool operator <=(NodeStatusPriority a, NodeStatusPriority b) => a.CompareTo(b) <= 0;

    public static bool operator >=(NodeStatusPriority a, NodeStatusPriority b) => a.CompareTo(b) >= 0;
}
