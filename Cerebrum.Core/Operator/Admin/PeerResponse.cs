namespace Cerebrum.Core.Operator.Admin;

/// <summary>One connected peer, as <c>GET /peers</c> lists it and <c>POST /peers/connect</c> returns it.</summary>
/// <param name="Address">The remote end of the connection as seen from here, without /p2p.</param>
/// <param name="Direction">"inbound" or "outbound".</param>
/// <param name="LatencyMs">The last ping round trip, once the periodic ping has measured one.</param>
public sealed record PeerResponse(
    string PeerId,
    string Address,
    string Direction,
    string? AgentVersion,
    IReadOnlyList<string> Protocols,
    double? LatencyMs,
    DateTimeOffset OpenedAt,
    bool Relayed = false);
