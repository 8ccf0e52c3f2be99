using System.Globalization;
using System.Net;

namespace Cerebrum.Tests.TestSupport.Netns;

/// <summary>
/// A home router of a <see cref="NetnsTestbed"/>: a namespace with its public side on the testbed's LAN and a private
/// network 192.168.K.0/24 behind it (router 192.168.K.1, hosts .2, .3, …), iptables masquerading the private network
/// (<see cref="NatMapping"/>), and the stateful firewall every such router has: unsolicited TCP to the router is
/// dropped, not refused, so a hole punch's first SYN (which reaches the other router before that one has sent its own)
/// is lost as on the internet rather than answered with a reset that would tear down the sender's mapping.
/// </summary>
internal sealed class NatRouter
{
    private readonly NetnsTestbed _testbed;
    private readonly int _subnet;
    private int _hosts;

    internal NatRouter(NetnsTestbed testbed, string role, int subnet, NatMapping mapping)
    {
        NetnsPrerequisites.RequireIptables();
        _testbed = testbed;
        _subnet = subnet;
        Role = role;
        Mapping = mapping;
        Namespace = testbed.AddNamespace(role);
        PublicAddress = testbed.AttachToLan(Namespace);
        Namespace.EnableForwarding();
        string[] masquerade = ["-t", "nat", "-A", "POSTROUTING", "-s", PrivateNetwork, "-j", "MASQUERADE"];
        Namespace.Exec("iptables", mapping == NatMapping.Symmetric ? [.. masquerade, "--random-fully"] : masquerade);
        Namespace.Exec("iptables", "-A", "INPUT", "-p", "tcp", "-m", "conntrack", "--ctstate", "NEW,INVALID", "-j", "DROP");
    }

    public string Role { get; }

    public NatMapping Mapping { get; }

    public NetworkNamespace Namespace { get; }

    /// <summary>The router's address on the LAN: what peers outside observe for every host behind it.</summary>
    public IPAddress PublicAddress { get; }

    private IPAddress InsideAddress => IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"192.168.{_subnet}.1"));

    private string PrivateNetwork => string.Create(CultureInfo.InvariantCulture, $"192.168.{_subnet}.0/24");

    /// <summary>
    /// Maps every TCP connection <paramref name="host"/> opens to one public port, <paramref name="port"/> (SNAT ahead of
    /// the masquerade): what a port-preserving NAT does for a peer that dials from its listen port. js-libp2p's TCP
    /// transport dials from an ephemeral port (Node.js has no SO_REUSEPORT for outgoing sockets), so without this its hole
    /// punches would leave from ports the other side was never told; with it, the port it announces is the one its punch
    /// opens. Connections to one destination then share the tuple: one at a time per destination address and port.
    /// </summary>
    public void MapEveryConnectionToPort(NetnsHost host, int port)
    {
        ArgumentNullException.ThrowIfNull(host);
        Namespace.Exec("iptables", "-t", "nat", "-I", "POSTROUTING", "1", "-s", host.Address.ToString(), "-p", "tcp", "-j", "SNAT",
            "--to-source", string.Create(CultureInfo.InvariantCulture, $"{PublicAddress}:{port}"));
    }

    /// <summary>A machine behind this router: its own namespace, 192.168.K.N, default route via the router.</summary>
    public NetnsHost AddHost(string role)
    {
        var n = Interlocked.Increment(ref _hosts) + 1;
        if (n > 250) throw new InvalidOperationException("at most 249 hosts behind one router");
        var space = _testbed.AddNamespace(role);
        var address = IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"192.168.{_subnet}.{n}"));
        _testbed.ConnectDirect(Namespace, InsideAddress, space, address);
        space.Ip("route", "add", "default", "via", InsideAddress.ToString());
        return new NetnsHost(_testbed, role, space, address, link: null);
    }
}
