using Cerebrum.Core.Network.Multiaddr;
using System.Net;
using System.Net.Sockets;

namespace Cerebrum.Core.Network.Addressing;

/// <summary>
/// What an address says about reachability: its IP, whether that IP is publicly routable, and whether the address
/// goes through a relay. AutoNAT, the relay and hole punching decide what they may dial and announce from this.
/// </summary>
public static class AddressScope
{
    /// <summary>The IP of an <c>/ip4</c> or <c>/ip6</c> address (any components may follow); null for names, relays and others.</summary>
    public static IPAddress? IpOf(Multiaddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var components = address.Components;
        var first = components[0];
        if (first.Protocol == MultiaddressProtocol.Ip6Zone)
            return null; // link-local scoped: never anyone else's address
        if (first.Protocol == MultiaddressProtocol.Ip4 || first.Protocol == MultiaddressProtocol.Ip6)
            return new IPAddress(first.ValueBytes.Span);
        return null;
    }

    /// <summary>True for addresses that go through a circuit relay (<c>/p2p-circuit</c> anywhere in them).</summary>
    public static bool IsRelayed(Multiaddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        foreach (var component in address.Components)
            if (component.Protocol.Name == "p2p-circuit")
                return true;
        return false;
    }

    /// <summary>A plain <c>/ip4|ip6/…/tcp/N</c> address (optionally <c>/p2p/id</c>): what our TCP transport dials.</summary>
    public static bool IsDirectTcp(Multiaddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return IpOf(address) is not null && !IsRelayed(address) && address.TryGetTcpEndpoint(out _, out _, out _, out var isDns) && !isDns;
    }

    /// <summary>
    /// True when <paramref name="ip"/> is routable on the public internet: not loopback, unspecified, private (RFC 1918,
    /// RFC 4193), shared (RFC 6598), link-local, multicast, documentation or otherwise reserved.
    /// </summary>
    public static bool IsPublic(IPAddress ip)
    {
        ArgumentNullException.ThrowIfNull(ip);
        if (ip.IsIPv4MappedToIPv6)
            ip = ip.MapToIPv4();
        Span<byte> b = stackalloc byte[16];
        if (!ip.TryWriteBytes(b, out var length))
            return false;
        if (ip.AddressFamily == AddressFamily.InterNetwork && length == 4)
        {
            return !(b[0] == 0                                   // 0.0.0.0/8 "this network"
                || b[0] == 10                                    // 10/8 private
                || (b[0] == 100 && (b[1] & 0xC0) == 64)          // 100.64/10 carrier-grade NAT
                || b[0] == 127                                   // loopback
                || (b[0] == 169 && b[1] == 254)                  // link-local
                || (b[0] == 172 && (b[1] & 0xF0) == 16)          // 172.16/12 private
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)       // 192.0.0/24 protocol assignments
                || (b[0] == 192 && b[1] == 0 && b[2] == 2)       // TEST-NET-1
                || (b[0] == 192 && b[1] == 168)                  // 192.168/16 private
                || (b[0] == 198 && (b[1] & 0xFE) == 18)          // 198.18/15 benchmarking
                || (b[0] == 198 && b[1] == 51 && b[2] == 100)    // TEST-NET-2
                || (b[0] == 203 && b[1] == 0 && b[2] == 113)     // TEST-NET-3
                || b[0] >= 224);                                 // multicast, reserved, broadcast
        }
        if (ip.AddressFamily != AddressFamily.InterNetworkV6 || length != 16)
            return false;
        if (IPAddress.IPv6Loopback.Equals(ip) || IPAddress.IPv6None.Equals(ip) || ip.IsIPv6LinkLocal || ip.IsIPv6SiteLocal || ip.IsIPv6Multicast)
            return false;
        if ((b[0] & 0xFE) == 0xFC)                               // fc00::/7 unique local
            return false;
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) // 2001:db8::/32 documentation
            return false;
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B) // 64:ff9b::/96 NAT64: judge the IPv4 inside
            return IsPublic(new IPAddress(b[12..16]));
        return (b[0] & 0xE0) == 0x20;                            // 2000::/3 global unicast
    }

    /// <summary><paramref name="address"/> has a public IP (names and relays count as not public: nothing to judge).</summary>
    public static bool HasPublicIp(Multiaddress address) => IpOf(address) is { } ip && IsPublic(ip);
}
