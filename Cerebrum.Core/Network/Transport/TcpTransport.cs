using System.Net;
using System.Net.Sockets;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Multiaddr;

namespace Cerebrum.Core.Network.Transport;

/// <summary>
/// TCP dial and listen for /ip4, /ip6, /dns, /dns4 and /dns6 multiaddrs. On Linux a dial may leave from the port we
/// listen on (<see cref="DialOptions.FromListenPort"/>), as hole punching needs: listening sockets allow it (SO_REUSEPORT,
/// set after the bind, so another process still cannot bind our port), and such a dial binds with SO_REUSEPORT first.
/// </summary>
public sealed class TcpTransport : ITransport
{
    /// <summary>Large socket buffers let one stream run at memory speed over loopback.</summary>
    private const int SocketBufferSize = 1024 * 1024;

    private const int ListenBacklog = 512;

    // Linux's SOL_SOCKET and SO_REUSEPORT (asm-generic/socket.h); .NET names neither.
    private const int SolSocket = 1;
    private const int SoReusePort = 15;

    private readonly List<IPEndPoint> _listening = [];

    /// <summary>Any /ip4, /ip6, /dns, /dns4 or /dns6 address with /tcp (and at most a /p2p after it).</summary>
    public bool CanDial(Multiaddress address) => address.TryGetTcpEndpoint(out _, out _, out _, out _);

    /// <summary>/ip4 or /ip6 with /tcp: a name cannot be bound.</summary>
    public bool CanListen(Multiaddress address) => address.TryGetTcpEndpoint(out _, out _, out _, out var isDns) && !isDns;

    /// <summary>Resolves (when DNS) and connects, trying each resolved address in turn.</summary>
    public async Task<TransportConnection> DialAsync(Multiaddress address, DialOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
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
                if (options.FromListenPort)
                    BindToListenPort(socket, ip.AddressFamily);
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

    /// <summary>
    /// Binds a dialing socket to the port of a listener of the same family (its IP, or any IP for a wildcard listener),
    /// so the connection leaves from the port peers know. Leaves the socket unbound (any port) when there is no such
    /// listener, on other systems than Linux, or when the port cannot be shared right now.
    /// </summary>
    private void BindToListenPort(Socket socket, AddressFamily family)
    {
        if (!OperatingSystem.IsLinux())
            return;
        IPEndPoint? listening;
        lock (_listening)
            listening = _listening.Find(e => e.AddressFamily == family);
        if (listening is null)
            return;
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
            socket.Bind(listening);
        }
        catch (SocketException)
        {
            // The port is not shareable now (the listener closed, or the same connection exists): dial from any port.
        }
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
            var bound = (IPEndPoint)socket.LocalEndPoint!;
            if (OperatingSystem.IsLinux())
            {
                // After the bind: our own dials may now share the port, while a second listener still cannot take it.
                socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
            }
            lock (_listening)
                _listening.Add(bound);
            return new TcpTransportListener(socket, () =>
            {
                lock (_listening)
                    _listening.Remove(bound);
            });
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
