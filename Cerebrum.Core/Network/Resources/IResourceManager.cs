using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Multiaddr;

namespace Cerebrum.Core.Network.Resources;

/// <summary>
/// Accounts for what peers make this host hold (connections, streams; later memory), and may refuse at each stage of a
/// connection's or a stream's life, as go-libp2p's resource manager does. The host asks it when a connection begins
/// (inbound at accept, before any handshake byte is read; outbound before dialing), when the handshake has proven the
/// remote peer, when a stream begins, and when the stream's protocol is agreed. Each grant is a scope that the host
/// disposes when the connection or stream ends, so usage is known at every moment (per peer, per IP, per protocol,
/// system-wide). The default, <see cref="UnlimitedResourceManager"/>, grants everything.
/// </summary>
/// <remarks>
/// Calls come from many threads at once and sit on the accept, dial and stream-open paths: answer from memory, never
/// block. The host's own fixed caps (<see cref="PeerHostOptions.MaxConnections"/>, <see cref="PeerHostOptions.MaxPendingInbound"/>,
/// <see cref="PeerHostOptions.MaxInboundStreamsPerConnection"/>) apply first, independently of this.
/// </remarks>
public interface IResourceManager
{
    /// <summary>A connection begins: inbound, just accepted; outbound, about to be dialed.</summary>
    /// <param name="remote">The remote transport address (without /p2p), as accepted or as about to be dialed.</param>
    /// <returns>The connection's scope, or null to refuse the connection.</returns>
    IConnectionScope? OpenConnection(ConnectionDirection direction, Multiaddress remote);
}
