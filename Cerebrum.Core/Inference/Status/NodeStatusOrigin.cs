using System.Net;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Resources;

namespace Cerebrum.Core.Inference.Status;

/// <summary>
/// The IP network a heartbeat counts under for the <see cref="NodeStatusBook"/>'s per-IP bound: the connection's, when
/// the node delivered its own status (a fact), else the first direct address the status signs (a claim, but the one a
/// gateway dials: a key that claims another machine's IP fills that IP's share and is routed where it cannot answer).
/// Relayed (/p2p-circuit) addresses name the relay, not the node, and are skipped.
/// </summary>
public static class NodeStatusOrigin
{
    /// <param name="direct">The remote address of the connection that delivered the status, when it came from its node itself.</param>
    public static IPNetwork? Of(VerifiedNodeStatus status, Multiaddress? direct)
    {
        if (direct is not null && RemoteIp.Of(direct) is { } connected) return connected.Group;
        foreach (var address in status.Addresses)
        {
            if (RemoteIp.Of(address) is { } claimed) return claimed.Group;
        }
        return null;
    }
}
