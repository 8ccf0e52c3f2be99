using Cerebrum.Core.Network.Connections;

namespace Cerebrum.Core.Network.Dialing;

/// <summary>
/// How one dial is made. The defaults are an ordinary dial: reuse a live connection to the peer, honour the backoff,
/// take the initiator's side of the handshake, and let the kernel pick the local port.
/// </summary>
public sealed record DialOptions
{
    public static DialOptions Default { get; } = new();

    /// <summary>
    /// Dial even when a connection to the peer is open, and regardless of its backoff: a hole punch wants a direct
    /// connection beside the relayed one, an AutoNAT dial-back a fresh one beside the asker's.
    /// </summary>
    public bool ForceNewConnection { get; init; }

    /// <summary>
    /// The side of the security handshake to take. <see cref="ConnectionDirection.Inbound"/> for a hole punch's
    /// simultaneous open, where both ends dial and DCUtR says which one acts as the responder.
    /// </summary>
    public ConnectionDirection Role { get; init; } = ConnectionDirection.Outbound;

    /// <summary>
    /// Dial from the TCP port we listen on (SO_REUSEPORT), so that a NAT that keeps ports maps the connection to the
    /// public port peers were told: a hole punch only works that way. Falls back to any port when that one is taken.
    /// </summary>
    public bool FromListenPort { get; init; }
}
