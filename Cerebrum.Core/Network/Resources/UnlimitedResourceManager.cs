using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Multiaddr;

namespace Cerebrum.Core.Network.Resources;

/// <summary>Grants every connection, stream and reservation; the host's fixed caps are the only limits. One shared scope, nothing to release.</summary>
public sealed class UnlimitedResourceManager : IResourceManager, IConnectionScope, IStreamScope, IServiceScope
{
    public static readonly UnlimitedResourceManager Instance = new();

    private UnlimitedResourceManager()
    {
    }

    public IConnectionScope OpenConnection(ConnectionDirection direction, Multiaddress remote) => this;

    public IServiceScope OpenServiceScope(string service, PeerId? peer) => this;

    public bool SetPeer(PeerId peer) => true;

    public IStreamScope OpenStream(ConnectionDirection direction) => this;

    public bool SetProtocol(string protocol) => true;

    public bool SetService(string service) => true;

    public bool ReserveMemory(long bytes, ReservationPriority priority) => true;

    public void ReleaseMemory(long bytes)
    {
    }

    public void Dispose()
    {
    }
}
