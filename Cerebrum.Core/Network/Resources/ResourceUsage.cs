namespace Cerebrum.Core.Network.Resources;

/// <summary>
/// What one kind of scope holds now: for the system and transient scopes their own usage; for keyed kinds (peers, IPs,
/// protocols, services) how many there are and, for each resource, the largest any one of them holds.
/// </summary>
public sealed record ResourceUsage(
    ResourceScopeKind Kind, int Scopes,
    int ConnectionsInbound, int ConnectionsOutbound,
    int StreamsInbound, int StreamsOutbound,
    long Memory);
