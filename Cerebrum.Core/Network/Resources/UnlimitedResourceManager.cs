using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Multiaddr;

namespace Cerebrum.Core.Network.Resources;

/// <summary>Grants every connection and stream; the host's fixed caps are the only limits. One shared scope, nothing to release.</summary>
public sealed class UnlimitedResourceManager : IResourceManager, IConnectionScope, IStreamScope
{
    public static readonly UnlimitedResourceManager Instance = new();

    private UnlimitedResourceManager()
    {
    }

    public IConnectionScope OpenConnection(ConnectionDirection direction, Multiaddress remote) => this;

    public bool SetPeer(PeerId peer) => true;

    public IStreamScope OpenStream(ConnectionDirection direction) => this;

    public bool SetProtocol(string protocol) => true;

    public void Dispose()
    {
    }
}
