using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Connections;

namespace Cerebrum.Core.Network.Resources;

/// <summary>
/// What one connection holds, from its first byte until it closes: the connection itself and the memory reserved
/// through it (its Yamux streams' receive windows). Until <see cref="SetPeer"/> succeeds the connection is still
/// handshaking and counts as transient. Disposed once, when the connection fails its handshake or ends.
/// </summary>
public interface IConnectionScope : IResourceScope, IDisposable
{
    /// <summary>The security handshake proved the remote to be <paramref name="peer"/>.</summary>
    /// <returns>False to refuse the connection (the peer is over its limits); the host then closes it.</returns>
    bool SetPeer(PeerId peer);

    /// <summary>A stream begins on this connection: inbound, accepted from the muxer; outbound, opened by us.</summary>
    /// <returns>The stream's scope, or null to refuse the stream (an inbound one is reset).</returns>
    IStreamScope? OpenStream(ConnectionDirection direction);
}
