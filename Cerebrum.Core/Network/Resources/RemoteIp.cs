using System.Net;
using Cerebrum.Core.Network.Multiaddr;

namespace Cerebrum.Core.Network.Resources;

/// <summary>
/// The IP a remote connection comes from and the network it counts under for per-IP limits (and gossipsub's
/// IP-colocation score): an IPv4 address alone (/32), an IPv6 address's /64, which is what one site is usually given,
/// so that an attacker cannot take a fresh address of its /64 for each connection.
/// </summary>
/// <param name="Address">The remote IP itself (an IPv4-mapped IPv6 address as IPv4).</param>
/// <param name="Group">The network the limits count it under.</param>
public readonly record struct RemoteIp(IPAddress Address, IPNetwork Group)
{
    /// <summary>The prefix length IPv6 addresses are grouped by.</summary>
    public const int Ipv6GroupPrefixLength = 64;

    /// <summary>The remote IP of a transport address; null when it has none (a DNS name, a relayed /p2p-circuit address).</summary>
    public static RemoteIp? Of(Multiaddress remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        IPAddress? address = null;
        foreach (var component in remote.Components)
        {
            // Behind a relay the IP is the relay's, not the peer's: relayed connections are the relay's to limit.
            if (component.Name == "p2p-circuit")
                return null;
            if (address is null && (component.Protocol == MultiaddressProtocol.Ip4 || component.Protocol == MultiaddressProtocol.Ip6))
                address = IPAddress.Parse(component.Value!);
        }
        return address is null ? null : Of(address);
    }

    public static RemoteIp Of(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            return new RemoteIp(address, new IPNetwork(address, 32));
        var bytes = address.GetAddressBytes();
        bytes.AsSpan(Ipv6GroupPrefixLength / 8).Clear();
        return new RemoteIp(address, new IPNetwork(new IPAddress(bytes), Ipv6GroupPrefixLength));
    }

    /// <summary>Whether the address lies in one of <paramref name="networks"/>.</summary>
    public bool IsIn(IReadOnlyList<IPNetwork> networks)
    {
        foreach (var network in networks)
        {
            if (network.Contains(Address))
                return true;
        }
        return false;
    }

    public override string ToString() => Group.PrefixLength == 32 ? Address.ToString() : Group.ToString();
}
