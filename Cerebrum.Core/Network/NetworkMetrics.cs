using System.Diagnostics.Metrics;

namespace Cerebrum.Core.Network;

/// <summary>
/// The Network layer's meter and instrument names. A <see cref="PeerHost"/> given an <see cref="IMeterFactory"/> publishes
/// them on the factory's "Cerebrum.Network" meter; without one it publishes nothing.
/// </summary>
/// <remarks>
/// Instruments hang off a meter from the owner's <see cref="IMeterFactory"/> (the daemon's DI container), not a static
/// meter: a process may hold many hosts (the tests run dozens), and a static meter would keep every one's observable
/// callbacks, and the host with them, alive and reported forever. A factory's meters live and die with their owner.
/// </remarks>
public static class NetworkMetrics
{
    public const string MeterName = "Cerebrum.Network";

    /// <summary>Gauge: distinct peers with an open connection.</summary>
    public const string Peers = "cerebrum.network.peers";

    /// <summary>Gauge: open connections, tagged <c>direction</c> = inbound | outbound.</summary>
    public const string Connections = "cerebrum.network.connections";

    /// <summary>Gauge: open Yamux streams over all connections.</summary>
    public const string Streams = "cerebrum.network.streams";

    /// <summary>Counter, bytes: written to peers' TCP sockets (handshakes included).</summary>
    public const string Sent = "cerebrum.network.sent";

    /// <summary>Counter, bytes: read from peers' TCP sockets (handshakes included).</summary>
    public const string Received = "cerebrum.network.received";

    /// <summary>
    /// Gauge: connections held, tagged <c>scope</c> (system, transient, and for peer and ip the largest of any one peer
    /// or IP) and <c>direction</c>.
    /// </summary>
    public const string ResourceConnections = "cerebrum.network.resource.connections";

    /// <summary>Gauge: streams held, tagged <c>scope</c> (system, transient; peer, ip, protocol, service: the largest one) and <c>direction</c>.</summary>
    public const string ResourceStreams = "cerebrum.network.resource.streams";

    /// <summary>Gauge, bytes: memory reserved, tagged <c>scope</c> (system, transient; peer, ip, protocol, service: the largest one).</summary>
    public const string ResourceMemory = "cerebrum.network.resource.memory";

    /// <summary>Gauge: live scopes, tagged <c>scope</c> (peer, ip, protocol, protocol_peer, service, service_peer).</summary>
    public const string ResourceScopes = "cerebrum.network.resource.scopes";

    /// <summary>
    /// Counter: what the resource manager (and the listener's handshake slots) refused, tagged <c>scope</c> (the kind whose
    /// limit was reached) and <c>resource</c> (connections, streams, memory, handshakes).
    /// </summary>
    public const string ResourceRefusals = "cerebrum.network.resource.refusals";

    internal const string DirectionTag = "direction";

    internal const string ScopeTag = "scope";

    internal const string ResourceTag = "resource";
}
