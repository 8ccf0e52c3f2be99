namespace Cerebrum.Core.Operator.Admin;

/// <summary>
/// How the daemon can be reached, in <c>GET /status</c>: <c>public</c>, <c>private</c> or <c>unknown</c> (AutoNAT's
/// verdict, or the operator's <c>Network:Reachability</c>), the relays it holds reservations on (their circuit
/// addresses are in <see cref="Advertised"/>), its connections by kind, and what it serves others: as a relay, the
/// reservations it holds for others and the circuits it carries now and has carried; its hole punches (DCUtR) that
/// moved a relayed connection to a direct one and those that stayed relayed; as an AutoNAT server, the dial-backs it
/// made for askers that reached them (the asker is public) and that did not (the asker is private); the DHT requests it
/// has sent (lookups, announcements, refreshes), whose growth over a lookup is what the lookup cost.
/// </summary>
public sealed record ReachabilityResponse(
    string Status,
    IReadOnlyList<string> Relays,
    IReadOnlyList<string> Advertised,
    int DirectConnections,
    int RelayedConnections,
    bool Relaying,
    bool DhtServer,
    int DhtPeers,
    int RelayReservations = 0,
    int RelayCircuits = 0,
    long RelayCircuitsEnded = 0,
    long HolePunchUpgrades = 0,
    long HolePunchFailures = 0,
    long AutoNatDialBacks = 0,
    long AutoNatDialBackFailures = 0,
    long DhtRequestsSent = 0);

/// <summary>A peer as the DHT knows it (<c>GET /dht/peers/{peerId}</c>, <c>GET /dht/providers/{hash}</c>).</summary>
public sealed record DhtPeerResponse(string PeerId, IReadOnlyList<string> Addrs);

/// <summary>The nodes that announced a model (<c>GET /dht/providers/{hash}</c>).</summary>
public sealed record DhtProvidersResponse(string Model, IReadOnlyList<DhtPeerResponse> Providers);
