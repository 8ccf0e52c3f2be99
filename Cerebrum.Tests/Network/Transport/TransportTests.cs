using System.Net;
using System.Net.Sockets;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Transport;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Transport;

/// <summary>The transport seam: an added transport takes the addresses TCP cannot dial, and its connections are upgraded like TCP's.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class TransportTests
{
    [Test]
    public async Task An_added_transport_dials_the_addresses_it_takes_and_the_connection_is_a_full_libp2p_connection()
    {
        await using var listener = await TestHosts.StartAsync();
        listener.SetHandler(EchoProtocol.Id, EchoProtocol.HandleAsync);
        await using var dialer = await TestHosts.StartAsync();
        var tunnel = new UdpNamedTcpTunnel();
        dialer.AddTransport(tunnel);
        Assert.That(listener.ListenAddresses[0].TryGetTcpEndpoint(out _, out var port, out _, out _), Is.True);
        var address = Multiaddress.Parse($"/ip4/127.0.0.1/udp/{port}").WithPeerId(listener.PeerId);

        var connection = await dialer.DialAsync(address).WaitAsync(TestHosts.Timeout);
        var echoed = await EchoProtocol.RoundTripAsync(connection, [4, 2], CancellationToken.None).WaitAsync(TestHosts.Timeout);

        Assert.That(tunnel.Dials, Is.EqualTo(1));
        Assert.That(connection.RemotePeer, Is.EqualTo(listener.PeerId));
        Assert.That(connection.RemoteAddress, Is.EqualTo(address.WithoutPeerId()));
        Assert.That(echoed, Is.EqualTo(new byte[] { 4, 2 }));
        Assert.That(dialer.PeerStore.Get(listener.PeerId)!.Addresses, Does.Contain(address.WithoutPeerId()));
    }

    [Test]
    public async Task Tcp_addresses_stay_with_tcp_and_an_address_no_transport_takes_is_invalid()
    {
        await using var listener = await TestHosts.StartAsync();
        await using var dialer = await TestHosts.StartAsync();
        var tunnel = new UdpNamedTcpTunnel();
        dialer.AddTransport(tunnel);

        await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);
        var error = Assert.ThrowsAsync<DialException>(() => dialer.DialAsync("/ip4/127.0.0.1/udp/1/quic-v1").WaitAsync(TestHosts.Timeout));

        Assert.That(tunnel.Dials, Is.Zero);
        Assert.That(error!.Reason, Is.EqualTo(DialFailureReason.InvalidAddress));
    }

    /// <summary>Dials /ip4/127.0.0.1/udp/N by connecting over TCP to port N: a transport TCP does not claim, carrying real bytes.</summary>
    private sealed class UdpNamedTcpTunnel : ITransport
    {
        private int _dials;

        public int Dials => Volatile.Read(ref _dials);

        public bool CanDial(Multiaddress address)
        {
            var parts = address.WithoutPeerId().Components;
            return parts.Count == 2 && parts[0].Protocol == MultiaddressProtocol.Ip4 && parts[1].Protocol.Name == "udp";
        }

        public bool CanListen(Multiaddress address) => false;

        public async Task<TransportConnection> DialAsync(Multiaddress address, DialOptions options, CancellationToken ct)
        {
            Interlocked.Increment(ref _dials);
            var parts = address.WithoutPeerId().Components;
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(parts[0].Value!), int.Parse(parts[1].Value!)), ct);
                var local = Multiaddress.Parse($"/ip4/127.0.0.1/udp/{((IPEndPoint)socket.LocalEndPoint!).Port}");
                return new TransportConnection(new NetworkStream(socket, ownsSocket: true), local, address.WithoutPeerId());
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        public ITransportListener Listen(Multiaddress address) => throw new NotSupportedException("dial only");
    }
}
