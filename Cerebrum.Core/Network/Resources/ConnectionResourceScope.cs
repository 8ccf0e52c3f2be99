using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Connections;

namespace Cerebrum.Core.Network.Resources;

/// <summary>The <see cref="ResourceManager"/>'s <see cref="IConnectionScope"/>: transient until the peer is set.</summary>
internal sealed class ConnectionResourceScope(ResourceManager manager, ResourceScope own, ConnectionDirection direction, ResourceScope? ip)
    : ResourceLeaf(manager, own), IConnectionScope
{
    internal ConnectionDirection Direction { get; } = direction;

    /// <summary>The IP (or /64) node the connection counts against; null for an exempt or IP-less remote.</summary>
    internal ResourceScope? Ip { get; } = ip;

    internal PeerId? Peer { get; set; }

    public bool SetPeer(PeerId peer) => Manager.SetPeer(this, peer);

    public IStreamScope? OpenStream(ConnectionDirection direction) => Manager.OpenStream(this, direction);
}
