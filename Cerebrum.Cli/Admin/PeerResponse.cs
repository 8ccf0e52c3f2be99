namespace Cerebrum.Cli.Admin;

/// <summary>One element of the admin API's <c>GET /peers</c> body, and the body of <c>POST /peers/connect</c> (cerebrumd's Admin/PeerResponse).</summary>
public sealed record PeerResponse(
    string PeerId,
    string Address,
    string Direction,
    string? AgentVersion,
    IReadOnlyList<string> Protocols,
    double? LatencyMs,
    DateTimeOffset OpenedAt);
