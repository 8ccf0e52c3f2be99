using System.Diagnostics.Metrics;

namespace Cerebrum.Core.Network;

/// <summary>
/// The Network layer's meter and instrument names. A <see cref="Host"/> given an <see cref="IMeterFactory"/> publishes
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

    internal const string DirectionTag = "direction";
}
