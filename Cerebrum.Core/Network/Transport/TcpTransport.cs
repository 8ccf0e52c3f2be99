using System.Net;
using System.Net.Sockets;
using Cerebrum.Core.Network.Multiaddr;

namespace Cerebrum.Core.Network.Transport;

/// <summary>TCP dial and listen for /ip4, /ip6, /dns, /dns4 and /dns6 multiaddrs.</summary>
public sealed class TcpTransport : ITransport
{
    /// <summary>Large socket buffers let one stream run at memory speed over loopback.</summary>
    private const int SocketBufferSize = 1024 * 1024;

    private const int ListenBacklog = 512;

    /// <summary>Any /ip4, /ip6, /dns, /dns4 or /dns6 address with /tcp (and at most a /p2p after it).</summary>
    public bool CanDial(Multiaddress address) => address.TryGetTcpEndpoint(out _, out _, out _, out _);

    /// <summary>/ip4 or /ip6 with /tcp: a name cannot be bound.</summary>
    public bool CanListen(Multiaddress address) => address.TryGetTcpEndpoint(out _, out _, out _, out var isDns) && !isDns;

    /// <summary>Resolves (when DNS) and connects, trying each resolved address in turn.</summary>
    public async Task<TransportConnection> DialAsync(Multiaddress address, CancellationToken ct)
    {
        if (!address.TryGetTcpEndpoint(out var host, out var port, out var family, out var isDns))
            throw new ArgumentException($"'{address}' is not a TCP address this transport can dial", nameof(address));
        IPAddress[] candidates;
        if (isDns)
        {
            var resolved = await Dns.GetHostAddressesAsync(host, ct).ConfigureAwait(false);
            candidates = family == AddressFamily.Unspecified ? resolved : Array.FindAll(resolved, a => a.AddressFamily == family);
            if (candidates.Length == 0)
                throw new SocketException((int)SocketError.HostNotFound);
        }
        else
        {
            candidates = [IPAddress.Parse(host)];
        }
        SocketException? last = null;
        foreach (var ip in candidates)
        {
            var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                Configure(socket);
                await socket.ConnectAsync(new IPEndPoint(ip, port), ct).ConfigureAwait(false);
                return Wrap(socket);
            }
            catch (SocketException e)
            {
                last = e;
                socket.Dispose();
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last ?? new SocketException((int)SocketError.HostUnreachable);
    }

    /// <summary>Binds a listening socket for an /ip4 or /ip6 address (port 0 = ephemeral).</summary>
    public ITransportListener Listen(Multiaddress address)
    {
        if (!CanListen(address))
            throw new ArgumentException($"cannot listen on '{address}': expected /ip4/<ip>/tcp/<port> or /ip6/<ip>/tcp/<port>", nameof(address));
        address.TryGetTcpEndpoint(out var host, out var port, out _, out _);
        var ip = IPAddress.Parse(host);
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (ip.AddressFamily == AddressFamily.InterNetworkV6)
                socket.DualMode = false;
            socket.Bind(new IPEndPoint(ip, port));
            socket.Listen(ListenBacklog);
            return new TcpTransportListener(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    internal static void Configure(Socket socket)
    {
        socket.NoDelay = true;
        socket.SendBufferSize = SocketBufferSize;
        socket.ReceiveBufferSize = SocketBufferSize;
    }

    /// <summary>A connected socket as a raw connection. Throws <see cref="SocketException"/> if it is no longer connected.</summary>
    internal static TransportConnection Wrap(Socket socket)
    {
        var local = Multiaddress.FromEndPoint((IPEndPoint)socket.LocalEndPoint!);
        var remote = Multiaddress.FromEndPoint((IPEndPoint)socket.RemoteEndPoint!);
        return new TransportConnection(new NetworkStream(socket, ownsSocket: false), local, remote, socket);
    }
}
