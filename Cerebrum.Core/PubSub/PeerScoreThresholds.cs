namespace Cerebrum.Core.PubSub;

/// <summary>Score thresholds that gate gossip, publishing, RPC processing, PX and opportunistic grafting.</summary>
public sealed record PeerScoreThresholds
{
    /// <summary>Below it no gossip is emitted to the peer and its gossip is ignored.</summary>
    public double GossipThreshold { get; init; } = -10;

    /// <summary>Below it our own messages are not sent to the peer.</summary>
    public double PublishThreshold { get; init; } = -50;

    /// <summary>Below it every RPC from the peer is ignored.</summary>
    public double GraylistThreshold { get; init; } = -80;

    /// <summary>PX in a PRUNE is acted on only when the pruning peer scores at least this.</summary>
    public double AcceptPXThreshold { get; init; } = 10;

    /// <summary>When the median mesh score is below it, better peers are grafted opportunistically.</summary>
    public double OpportunisticGraftThreshold { get; init; } = 1;

    /// <exception cref="ArgumentException">The thresholds violate the ordering the spec requires.</exception>
    public void Validate()
    {
        Require(GossipThreshold < 0, "gossip threshold must be negative");
        Require(PublishThreshold <= GossipThreshold, "publish threshold must be at most the gossip threshold");
        Require(GraylistThreshold < PublishThreshold, "graylist threshold must be below the publish threshold");
        Require(AcceptPXThreshold >= 0, "accept-PX threshold must not be negative");
        Require(OpportunisticGraftThreshold >= 0, "opportunistic graft threshold must not be negative");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException($"invalid score thresholds: {message}");
    }
}
