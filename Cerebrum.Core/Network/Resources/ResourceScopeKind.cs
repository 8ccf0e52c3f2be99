namespace Cerebrum.Core.Network.Resources;

/// <summary>The kinds of resource scope (go-libp2p's): what a limit applies to, and the <c>scope</c> tag of the metrics.</summary>
public enum ResourceScopeKind
{
    System,

    /// <summary>Connections before Noise proved the peer; streams before their protocol was agreed.</summary>
    Transient,

    Peer,

    /// <summary>An IPv4 address or an IPv6 /64.</summary>
    Ip,

    Protocol,
    ProtocolPeer,
    Service,
    ServicePeer,
    Connection,
    Stream,

    /// <summary>Memory a service holds on its own account (<see cref="IServiceScope"/>).</summary>
    ServiceMemory,
}
