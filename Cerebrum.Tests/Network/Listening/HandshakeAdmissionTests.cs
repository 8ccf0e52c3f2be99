using System.Net;
using System.Net.Sockets;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Resources;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Listening;

/// <summary>
/// Issue 13 item 5: 64 idle TCP sockets used to lock every new inbound peer out (64 handshake slots, held for the whole
/// 10 s handshake timeout, from any one address). Now one IP gets at most its share of the slots, a socket that sends
/// nothing is closed after the first-byte timeout and one that stalls after the step timeout, and when every slot is
/// taken the idlest handshake makes room for a newcomer. The attackers bind other loopback addresses (127.0.0.2, …) so
/// that they and the honest peer (127.0.0.1) are different IPs; loopback is not exempt from per-IP limits here.
/// </summary>
[TestFixture]
[CancelAfter(90_000)]
public sealed class HandshakeAdmissionTests
{
    private static Func<PeerHostOptions, PeerHostOptions> Admission(TimeSpan firstByte, TimeSpan? step = null) => o => o with
    {
        MaxPendingInbound = 64,
        MaxPendingInboundPerIp = 8,
        HandshakeTimeout = TimeSpan.FromSeconds(60),
        HandshakeFirstByteTimeout = firstByte,
        HandshakeStepTimeout = step ?? TimeSpan.FromSeconds(60),
        Resources = o.Resources with { ExemptNetworks = [] },
        PingInterval = TimeSpan.Zero,
    };

    [Test]
    public async Task Idle_sockets_from_one_address_take_only_its_share_and_honest_peers_still_connect()
    {
        // A first-byte timeout far beyond the test: only the per-IP cap can keep room.
        await using var listener = await TestHosts.StartAsync(configure: Admission(firstByte: TimeSpan.FromSeconds(60)));
        await using var honest = await TestHosts.StartAsync();
        var endpoint = EndpointOf(listener);

        var attacker = IPAddress.Parse("127.0.0.2");
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < 64; i++)
                sockets.Add(await ConnectFromAsync(attacker, endpoint));

            // All but 8 are closed at once; 8 hold their slots.
            var closed = await Task.WhenAll(sockets.Select(s => IsClosedByPeerAsync(s, TimeSpan.FromSeconds(5))));
            Assert.That(closed.Count(c => c), Is.EqualTo(64 - 8), "sockets beyond the per-IP cap are refused at once");
            Assert.That(listener.PendingInboundHandshakes, Is.EqualTo(8));

            var connection = await honest.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);
            Assert.That(await honest.PingAsync(connection).WaitAsync(TestHosts.Timeout), Is.GreaterThan(TimeSpan.Zero));
        }
        finally
        {
            foreach (var socket in sockets) socket.Dispose();
        }
    }

    [Test]
    public async Task Idle_sockets_from_64_addresses_are_evicted_to_let_an_honest_peer_in()
    {
        await using var listener = await TestHosts.StartAsync(configure: Admission(firstByte: TimeSpan.FromSeconds(60)));
        await using var honest = await TestHosts.StartAsync();
        var endpoint = EndpointOf(listener);

        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < 64; i++)
                sockets.Add(await ConnectFromAsync(IPAddress.Parse($"127.0.1.{i + 1}"), endpoint));
            await Poll.UntilAsync(() => listener.PendingInboundHandshakes == 64, TestHosts.Timeout);

            // Every slot is held by an idle socket, and none will time out before the test ends. The honest peer is
            // refused only while they are under a second idle; then the idlest is evicted for it.
            var started = DateTime.UtcNow;
            await Poll.UntilAsync(async () =>
            {
                try
                {
                    var connection = await honest.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);
                    return await honest.PingAsync(connection).WaitAsync(TestHosts.Timeout) > TimeSpan.Zero;
                }
                catch (DialException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(20));
            Assert.That(DateTime.UtcNow - started, Is.LessThan(TimeSpan.FromSeconds(20)));
            Assert.That(await Task.WhenAll(sockets.Select(s => IsClosedByPeerAsync(s, TimeSpan.FromSeconds(2)))), Has.Some.True,
                "an idle socket was evicted");
        }
        finally
        {
            foreach (var socket in sockets) socket.Dispose();
        }
    }

    [Test]
    public async Task A_socket_that_sends_nothing_is_closed_after_the_first_byte_timeout()
    {
        await using var listener = await TestHosts.StartAsync(configure: Admission(firstByte: TimeSpan.FromMilliseconds(500)));
        using var socket = await ConnectFromAsync(IPAddress.Parse("127.0.0.3"), EndpointOf(listener));

        Assert.That(await IsClosedByPeerAsync(socket, TimeSpan.FromSeconds(10)), Is.True, "closed within seconds, not the 60 s handshake timeout");
        await Poll.UntilAsync(() => listener.PendingInboundHandshakes == 0, TestHosts.Timeout);
    }

    [Test]
    public async Task A_handshake_that_stalls_between_steps_is_closed_after_the_step_timeout()
    {
        await using var listener = await TestHosts.StartAsync(configure: Admission(firstByte: TimeSpan.FromSeconds(60), step: TimeSpan.FromMilliseconds(500)));
        using var socket = await ConnectFromAsync(IPAddress.Parse("127.0.0.4"), EndpointOf(listener));
        using var stream = new NetworkStream(socket, ownsSocket: false);

        // The first step (multistream-select /noise) completes; then the dialer goes quiet instead of starting Noise.
        using var negotiation = new CancellationTokenSource(TestHosts.Timeout);
        await MultistreamSelect.SelectAsync(stream, ["/noise"], negotiation.Token);

        Assert.That(await IsClosedByPeerAsync(socket, TimeSpan.FromSeconds(10)), Is.True, "closed within seconds, not the 60 s handshake timeout");
    }

    private static async Task<Socket> ConnectFromAsync(IPAddress local, IPEndPoint remote)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(local, 0));
            await socket.ConnectAsync(remote).WaitAsync(TestHosts.Timeout);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Whether the listener closed the socket (end of stream or reset) within <paramref name="within"/>; false if it is still open.</summary>
    private static async Task<bool> IsClosedByPeerAsync(Socket socket, TimeSpan within)
    {
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(within);
        try
        {
            while (true)
            {
                if (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) == 0)
                    return true;
            }
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static IPEndPoint EndpointOf(PeerHost host)
    {
        Assert.That(host.ListenAddresses[0].TryGetTcpEndpoint(out var ip, out var port, out _, out _), Is.True);
        return new IPEndPoint(IPAddress.Parse(ip), port);
    }
}
