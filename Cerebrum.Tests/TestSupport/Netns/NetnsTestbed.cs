using System.Globalization;
using System.Net;
using Cerebrum.Tests.EndToEnd;

namespace Cerebrum.Tests.TestSupport.Netns;

/// <summary>
/// Several "machines" on one Linux host: each a network namespace with its own address, for running real
/// <c>cerebrumd</c> processes that see real latency and loss instead of loopback's. Layout:
/// <list type="bullet">
/// <item>a hub namespace with a bridge, the LAN 10.0.0.0/24 (or another /24 given to <see cref="Create"/>: a public-looking
/// one such as 5.0.0.0/24 for peers that, like js-libp2p, ignore private addresses); the hub is .254 and routes between its interfaces;</item>
/// <item>plain hosts: a veth pair into the bridge, 10.0.0.N, default route via the hub;</item>
/// <item>impaired hosts: instead, an <see cref="ImpairedLink"/> (TUN pair and userspace forwarder adding delay and loss)
/// to the hub, 10.1.K.2 (hub end 10.1.K.1), default route over the link.</item>
/// </list>
/// The parts are public so that a test can build more: e.g. a NAT router is <see cref="AddNamespace"/> +
/// <see cref="AttachToLan"/> (its outside) + <see cref="ConnectDirect"/> or <see cref="ConnectImpaired"/> to private
/// hosts on 10.2.0.0/16 or 192.168.0.0/16 (its inside) + <c>router.Exec("iptables", "-t", "nat", ...)</c>.
/// Every name starts with a per-run prefix (cb + the process id in base 36 + a counter), and dispose removes
/// everything even after a failure; namespaces left by a test process that died are removed by the next testbed.
/// </summary>
internal sealed class NetnsTestbed : IAsyncDisposable
{
    private const string BridgeName = "br";
    private static int _runs;

    private readonly List<NetworkNamespace> _namespaces = [];
    private readonly List<ImpairedLink> _links = [];
    private readonly List<ChainDevnet.DaemonProcess> _daemons = [];
    private readonly Lock _gate = new();
    private int _interfaces;
    private int _lanHosts;
    private int _impairedHosts;
    private int _routers;

    private NetnsTestbed(string prefix, string lan)
    {
        Prefix = prefix;
        Lan = lan;
        HubAddress = IPAddress.Parse(lan + ".254");
    }

    /// <summary>The LAN's first three octets, e.g. 10.0.0: hosts are LAN.N, the hub LAN.254.</summary>
    public string Lan { get; }

    /// <summary>The hub's address on the LAN, every LAN host's default route.</summary>
    public IPAddress HubAddress { get; }

    /// <summary>The per-run prefix of every namespace and interface name, e.g. cb2hwq4-0.</summary>
    public string Prefix { get; }

    /// <summary>The namespace with the bridge, which routes between the LAN and the impaired links.</summary>
    public NetworkNamespace Hub { get; private set; } = null!;

    /// <summary>Checks the prerequisites (see <see cref="NetnsPrerequisites"/>), clears leftovers of dead runs, and builds the hub.</summary>
    /// <param name="lan">The LAN's /24 as its first three octets (10.0.0 by default; it must not overlap 10.1/16 or 192.168/16).</param>
    public static NetnsTestbed Create(string lan = "10.0.0")
    {
        if (!IPAddress.TryParse(lan + ".0", out var network) || network.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || lan.Count(c => c == '.') != 2
            || lan.StartsWith("10.1.", StringComparison.Ordinal) || lan.StartsWith("192.168.", StringComparison.Ordinal))
            throw new ArgumentException($"not a usable LAN /24: {lan}", nameof(lan));
        NetnsPrerequisites.Require();
        RemoveLeftovers();
        var prefix = "cb" + ToBase36(Environment.ProcessId) + "-" + ToBase36(Interlocked.Increment(ref _runs) - 1);
        var testbed = new NetnsTestbed(prefix, lan);
        try
        {
            testbed.Hub = testbed.AddNamespace("hub");
            testbed.Hub.Ip("link", "add", testbed.InterfaceName(BridgeName), "type", "bridge");
            testbed.Hub.Ip("addr", "add", testbed.HubAddress + "/24", "dev", testbed.InterfaceName(BridgeName));
            testbed.Hub.Ip("link", "set", testbed.InterfaceName(BridgeName), "up");
            testbed.Hub.EnableForwarding();
        }
        catch
        {
            testbed.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
        return testbed;
    }

    /// <summary>A machine with its own namespace and address: on the LAN, or behind an impaired link when <paramref name="impairment"/> is given.</summary>
    public NetnsHost AddHost(string role, LinkImpairment? impairment = null)
    {
        var space = AddNamespace(role);
        if (impairment is null) return new NetnsHost(this, role, space, AttachToLan(space), link: null);
        int k;
        lock (_gate) k = ++_impairedHosts;
        if (k > 250) throw new InvalidOperationException("at most 250 impaired hosts per testbed");
        var hubEnd = IPAddress.Parse($"10.1.{k}.1");
        var hostEnd = IPAddress.Parse($"10.1.{k}.2");
        var link = ConnectImpaired(Hub, hubEnd, space, hostEnd, impairment);
        space.Ip("route", "add", "default", "dev", link.NameB);
        return new NetnsHost(this, role, space, hostEnd, link);
    }

    /// <summary>A NAT router on the LAN with a private network of its own behind it (see <see cref="NatRouter"/>).</summary>
    public NatRouter AddNatRouter(string role, NatMapping mapping)
    {
        int k;
        lock (_gate) k = ++_routers;
        if (k > 250) throw new InvalidOperationException("at most 250 NAT routers per testbed");
        return new NatRouter(this, role, k, mapping);
    }

    /// <summary>A bare namespace named PREFIX-ROLE with loopback up, removed with the testbed.</summary>
    public NetworkNamespace AddNamespace(string role)
    {
        var space = NetworkNamespace.Create(Prefix + "-" + role);
        lock (_gate) _namespaces.Add(space);
        return space;
    }

    /// <summary>A veth pair from <paramref name="space"/> into the hub's bridge; the next LAN address (LAN.N); default route via the hub.</summary>
    public IPAddress AttachToLan(NetworkNamespace space)
    {
        int n;
        lock (_gate) n = ++_lanHosts;
        if (n > 250) throw new InvalidOperationException("at most 250 LAN hosts per testbed");
        var address = IPAddress.Parse($"{Lan}.{n}");
        var (inside, bridgePort) = (NewInterfaceName(), NewInterfaceName());
        IpCommand.Run("link", "add", inside, "netns", space.Name, "type", "veth", "peer", "name", bridgePort, "netns", Hub.Name);
        Hub.Ip("link", "set", bridgePort, "master", InterfaceName(BridgeName));
        Hub.Ip("link", "set", bridgePort, "up");
        space.Ip("addr", "add", address + "/24", "dev", inside);
        space.Ip("link", "set", inside, "up");
        space.Ip("route", "add", "default", "via", HubAddress.ToString());
        return address;
    }

    /// <summary>A plain veth pair between two namespaces with an address at each end in one /<paramref name="prefixLength"/>.</summary>
    public void ConnectDirect(NetworkNamespace a, IPAddress addressA, NetworkNamespace b, IPAddress addressB, int prefixLength = 24)
    {
        var (nameA, nameB) = (NewInterfaceName(), NewInterfaceName());
        IpCommand.Run("link", "add", nameA, "netns", a.Name, "type", "veth", "peer", "name", nameB, "netns", b.Name);
        a.Ip("addr", "add", $"{addressA}/{prefixLength}", "dev", nameA);
        b.Ip("addr", "add", $"{addressB}/{prefixLength}", "dev", nameB);
        a.Ip("link", "set", nameA, "up");
        b.Ip("link", "set", nameB, "up");
    }

    /// <summary>A point-to-point link through the userspace forwarder, with <paramref name="impairment"/> in both directions.</summary>
    public ImpairedLink ConnectImpaired(NetworkNamespace a, IPAddress addressA, NetworkNamespace b, IPAddress addressB, LinkImpairment impairment)
    {
        var link = ImpairedLink.Create(a, NewInterfaceName(), addressA, b, NewInterfaceName(), addressB, impairment);
        lock (_gate) _links.Add(link);
        return link;
    }

    internal void Track(ChainDevnet.DaemonProcess daemon)
    {
        lock (_gate) _daemons.Add(daemon);
    }

    /// <summary>Kills the daemons, stops the links and deletes the namespaces: all of it attempted, the first failure rethrown.</summary>
    public async ValueTask DisposeAsync()
    {
        var failures = new List<Exception>();
        List<ChainDevnet.DaemonProcess> daemons;
        lock (_gate) daemons = [.. _daemons];
        foreach (var daemon in daemons)
        {
            try
            {
                await daemon.DisposeAsync();
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        }
        foreach (var link in _links)
            Attempt(link.Dispose, failures);
        foreach (var space in Enumerable.Reverse(_namespaces))
            Attempt(space.Dispose, failures);
        if (failures.Count > 0) throw new AggregateException($"cleaning up network testbed {Prefix}", failures);
    }

    private static void Attempt(Action action, List<Exception> failures)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            failures.Add(e);
        }
    }

    private string NewInterfaceName() => InterfaceName("i" + Interlocked.Increment(ref _interfaces).ToString(CultureInfo.InvariantCulture));

    private string InterfaceName(string suffix)
    {
        var name = Prefix + suffix;
        if (name.Length > 15) throw new InvalidOperationException($"interface name {name} is longer than Linux's 15 bytes");
        return name;
    }

    /// <summary>Deletes namespaces of earlier runs whose test process is gone (a crash skips dispose).</summary>
    private static void RemoveLeftovers()
    {
        const string directory = "/var/run/netns";
        if (!Directory.Exists(directory)) return;
        foreach (var path in Directory.EnumerateFiles(directory, "cb*-*"))
        {
            var name = Path.GetFileName(path);
            var pid = FromBase36(name[2..name.IndexOf('-', StringComparison.Ordinal)]);
            if (pid is null || Directory.Exists("/proc/" + pid.Value.ToString(CultureInfo.InvariantCulture))) continue;
            IpCommand.TryExec("ip", ["netns", "delete", name]);
        }
    }

    private static string ToBase36(int value)
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        var text = "";
        do
        {
            text = digits[value % 36] + text;
            value /= 36;
        } while (value > 0);
        return text;
    }

    private static int? FromBase36(string text)
    {
        if (text.Length is 0 or > 6) return null;
        var value = 0;
        foreach (var c in text)
        {
            var digit = c is >= '0' and <= '9' ? c - '0' : c is >= 'a' and <= 'z' ? c - 'a' + 10 : -1;
            if (digit < 0) return null;
            value = value * 36 + digit;
        }
        return value;
    }
}
