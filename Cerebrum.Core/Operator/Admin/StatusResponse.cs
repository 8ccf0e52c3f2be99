namespace Cerebrum.Core.Operator.Admin;

/// <summary>The body of <c>GET /status</c>; <see cref="ListenAddrs"/> are full dialable addresses ending in /p2p/&lt;peer-id&gt;.</summary>
/// <param name="Modes">The daemon's modes (node, validator, gateway); empty for a plain network daemon.</param>
public sealed record StatusResponse(
    string PeerId,
    string AgentVersion,
    IReadOnlyList<string> ListenAddrs,
    long UptimeSeconds,
    int ConnectedPeers,
    DateTimeOffset StartedAt,
    IReadOnlyList<PubSubTopicStatus>? PubSub = null,
    StatusChainResponse? Chain = null,
    IReadOnlyList<string>? Modes = null,
    ReachabilityResponse? Reachability = null);

/// <summary>The <c>chain</c> part of <c>GET /status</c> (null when the daemon keeps no ledger).</summary>
public sealed record StatusChainResponse(ulong Height, bool Syncing);
