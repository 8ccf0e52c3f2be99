using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Multiaddr;

namespace Cerebrum.Core.Network.Resources;

/// <summary>
/// Accounts for what peers make this host hold (connections, streams, memory), and may refuse at each stage of a
/// connection's or a stream's life, as go-libp2p's resource manager does. The host asks it when a connection begins
/// (inbound at accept, before any handshake byte is read; outbound before dialing), when the handshake has proven the
/// remote peer, when a stream begins, and when the stream's protocol is agreed; Yamux reserves each stream's receive
/// window through the connection's scope, and protocol handlers their buffers through the stream's. Each grant is a
/// scope that is disposed when the connection or stream ends, so usage is known at every moment (per peer, per IP, per
/// protocol, per service, system-wide). <see cref="ResourceManager"/> is the host's own; <see cref="UnlimitedResourceManager"/>
/// grants everything.
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

    /// <summary>
    /// A scope for memory that <paramref name="service"/> holds on its own account (for <paramref name="peer"/>, or for
    /// none), e.g. a relay's reservation; see <see cref="IServiceScope"/>.
    /// </summary>
    IServiceScope OpenServiceScope(string service, PeerId? peer);
}
