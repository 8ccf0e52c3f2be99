using System.Net;
using System.Net.Sockets;
using Cerebrum.Tests.EndToEnd;

namespace Cerebrum.Tests.TestSupport.Netns;

/// <summary>
/// One machine of a <see cref="NetnsTestbed"/>: its own namespace and one address, either on the testbed's LAN or
/// behind an <see cref="ImpairedLink"/> to the hub (then every packet to or from it crosses the link's delay and loss).
/// </summary>
internal sealed class NetnsHost
{
    /// <summary>The libp2p port daemons listen on; every host has its own address, so they can all use it.</summary>
    public const int P2pPort = 4001;

    private readonly NetnsTestbed _testbed;

    internal NetnsHost(NetnsTestbed testbed, string role, NetworkNamespace space, IPAddress address, ImpairedLink? link)
    {
        _testbed = testbed;
        Role = role;
        Namespace = space;
        Address = address;
        Link = link;
    }

    public string Role { get; }

    public NetworkNamespace Namespace { get; }

    public IPAddress Address { get; }

    /// <summary>The host's only link when it was added with an impairment (change its impairment at will), else null.</summary>
    public ImpairedLink? Link { get; }

    /// <summary>Packets through the link towards this host (its side B; the hub is side A).</summary>
    public LinkCounters Inbound => (Link ?? throw new InvalidOperationException($"{Role} is on the LAN, not behind a link")).AToB;

    /// <summary>Packets through the link from this host.</summary>
    public LinkCounters Outbound => (Link ?? throw new InvalidOperationException($"{Role} is on the LAN, not behind a link")).BToA;

    /// <summary>Where a daemon on this host listens: /ip4/ADDRESS/tcp/4001.</summary>
    public string ListenAddress => $"/ip4/{Address}/tcp/{P2pPort}";

    /// <summary>
    /// Runs <c>cerebrumd run --data-dir DIR --listen /ip4/ADDRESS/tcp/4001 --admin-port 0 ARGS</c> inside this host's
    /// namespace (the data directory must be initialized); its admin API is reached through a socket in the namespace.
    /// The testbed kills it on dispose if the test has not.
    /// </summary>
    public async Task<ChainDevnet.DaemonProcess> StartDaemonAsync(string dataDirectory, params string[] arguments)
    {
        var daemon = await ChainDevnet.DaemonProcess.StartAsync(dataDirectory, ["--listen", ListenAddress, "--admin-port", "0", .. arguments], Namespace);
        _testbed.Track(daemon);
        return daemon;
    }

    /// <summary>A TCP socket in this host's namespace.</summary>
    public Socket CreateTcpSocket() => Namespace.CreateSocket(SocketType.Stream, ProtocolType.Tcp);

    /// <summary>A UDP socket in this host's namespace.</summary>
    public Socket CreateUdpSocket() => Namespace.CreateSocket(SocketType.Dgram, ProtocolType.Udp);
}
