using System.Net;
using System.Net.Sockets;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Dialing;

/// <summary>Dialing: the proven peer ID, failure reasons, backoff and connection reuse.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class DialerTests
{
    [Test]
    public async Task Dialing_with_the_wrong_peer_id_fails_as_a_mismatch()
    {
        await using var listener = await TestHosts.StartAsync();
        await using var dialer = await TestHosts.StartAsync();
        var other = PrivateKey.Generate(KeyType.Ed25519).PeerId;

        var error = Assert.ThrowsAsync<DialException>(() => dialer.DialAsync(listener.ListenAddresses[0].WithPeerId(other)).WaitAsync(TestHosts.Timeout));

        Assert.That(error!.Reason, Is.EqualTo(DialFailureReason.PeerIdMismatch));
        Assert.That(dialer.Connections, Is.Empty);
    }

    [Test]
    public async Task Dialing_a_closed_port_fails_as_unreachable()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)probe.LocalEndPoint!).Port; // bound but not listening: connection refused
        await using var dialer = await TestHosts.StartAsync();

        var error = Assert.ThrowsAsync<DialException>(() => dialer.DialAsync($"/ip4/127.0.0.1/tcp/{port}").WaitAsync(TestHosts.Timeout));

        Assert.That(error!.Reason, Is.EqualTo(DialFailureReason.Unreachable));
    }

    [Test]
    public async Task A_failed_dial_is_backed_off()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var address = $"/ip4/127.0.0.1/tcp/{((IPEndPoint)probe.LocalEndPoint!).Port}";
        await using var dialer = await TestHosts.StartAsync(configure: o => o with { DialBackoffBase = TimeSpan.FromMinutes(1), DialBackoffMax = TimeSpan.FromMinutes(5) });

        var first = Assert.ThrowsAsync<DialException>(() => dialer.DialAsync(address).WaitAsync(TestHosts.Timeout));
        var second = Assert.ThrowsAsync<DialException>(() => dialer.DialAsync(address).WaitAsync(TestHosts.Timeout));

        Assert.That(first!.Reason, Is.EqualTo(DialFailureReason.Unreachable));
        Assert.That(second!.Reason, Is.EqualTo(DialFailureReason.Backoff));
    }

    [Test]
    public async Task A_second_dial_reuses_the_connection()
    {
        await using var listener = await TestHosts.StartAsync();
        await using var dialer = await TestHosts.StartAsync();

        var first = await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);
        var second = await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);

        Assert.That(second, Is.SameAs(first));
    }
}
