namespace Cerebrum.Cli.Admin;

/// <summary>The admin API's <c>GET /status</c> body (cerebrumd's Admin/StatusResponse).</summary>
public sealed record StatusResponse(
    string PeerId,
    string AgentVersion,
    IReadOnlyList<string> ListenAddrs,
    long UptimeSeconds,
    int ConnectedPeers,
    DateTimeOffset StartedAt,
    IReadOnlyList<string>? Modes = null);
