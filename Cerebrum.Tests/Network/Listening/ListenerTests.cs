using System.Net;
using System.Net.Sockets;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Listening;

/// <summary>Accepting: the connection cap and garbage before any handshake.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class ListenerTests
{
    [Test]
    public async Task Connection_limit_refuses_extra_inbound_connections()
    {
        await using var listener = await TestHosts.StartAsync(configure: o => o with { MaxConnections = 1 });
        await using var first = await TestHosts.StartAsync();
        await using var second = await TestHosts.StartAsync();
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.ConnectionOpened += (_, _) => opened.TrySetResult();

        await first.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);
        await opened.Task.WaitAsync(TestHosts.Timeout);

        var error = Assert.ThrowsAsync<DialException>(() => second.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout));
        Assert.That(error!.Reason, Is.AnyOf(DialFailureReason.HandshakeFailed, DialFailureReason.Unreachable));
        Assert.That(listener.Connections, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Garbage_from_a_raw_socket_is_dropped_and_the_host_keeps_serving()
    {
        await using var listener = await TestHosts.StartAsync();
        await using var dialer = await TestHosts.StartAsync();
        var endpoint = EndpointOf(listener);

        using (var raw = new TcpClient())
        {
            await raw.ConnectAsync(endpoint.Address, endpoint.Port).WaitAsync(TestHosts.Timeout);
            var stream = raw.GetStream();
            var garbage = EchoProtocol.Pattern(4096, 7);
            await stream.WriteAsync(garbage).AsTask().WaitAsync(TestHosts.Timeout);
            // The listener must close on us; reading until EOF proves it (a reset also counts).
            var buffer = new byte[4096];
            try
            {
                while (await stream.ReadAsync(buffer).AsTask().WaitAsync(TestHosts.Timeout) > 0)
                {
                }
            }
            catch (IOException)
            {
            }
        }

        var connection = await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);
        Assert.That(await dialer.PingAsync(connection).WaitAsync(TestHosts.Timeout), Is.GreaterThan(TimeSpan.Zero));
    }

    private static IPEndPoint EndpointOf(PeerHost host)
    {
        Assert.That(host.ListenAddresses[0].TryGetTcpEndpoint(out var ip, out var port, out _, out _), Is.True);
        return new IPEndPoint(IPAddress.Parse(ip), port);
    }
}
