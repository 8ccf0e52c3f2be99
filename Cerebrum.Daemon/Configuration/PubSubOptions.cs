using Cerebrum.Core.Chain.Gossip;

namespace Cerebrum.Daemon.Configuration;

/// <summary>The "PubSub" section: which gossipsub topics the daemon joins, and how it treats graylisted peers.</summary>
public sealed record PubSubOptions
{
    /// <summary>Topics joined at start. Empty means "use the defaults": the six <c>cerebrum/1/*</c> topics.</summary>
    public IReadOnlyList<string> Topics { get; init; } = [];

    /// <summary>How long a peer whose score fell below the graylist threshold stays disconnected and refused.</summary>
    public TimeSpan BanDuration { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a node's last heartbeat on <c>cerebrum/1/status</c> is kept (and listed by <c>GET /nodes</c>) without a newer one.</summary>
    public TimeSpan NodeStatusExpiry { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Most nodes whose latest heartbeat is kept; statuses from further nodes are ignored until entries expire.</summary>
    public int MaxNodeStatuses { get; init; } = 10_000;

    /// <summary>Least time between two heartbeats accepted (and relayed) from one node; faster ones are ignored.</summary>
    public TimeSpan NodeStatusMinInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Most nodes not registered on the ledger whose heartbeats are kept from one IP (an IPv4 address, an IPv6 /64).</summary>
    public int MaxUnregisteredNodeStatusesPerIp { get; init; } = 16;

    /// <summary>Cerebrum's own topics (DESIGN.md section 3). Their payloads are signed by their authors, so they use StrictNoSign.</summary>
    public static IReadOnlyList<string> DefaultTopics { get; } =
    [
        ChainTopics.Transactions,
        ChainTopics.Consensus,
        ChainTopics.Blocks,
        ChainTopics.Evidence,
        "cerebrum/1/attestations",
        "cerebrum/1/status",
        "cerebrum/1/offers",
    ];
}
