using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network;

/// <summary>The host end to end: dial, accept, many streams, shutdown, IPv6, options.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class PeerHostTests
{
    [TestCase(KeyType.Secp256k1, KeyType.Ed25519)]
    [TestCase(KeyType.Ed25519, KeyType.Secp256k1)]
    public async Task Dial_proves_the_remote_peer_id_and_ping_round_trips(KeyType dialerKey, KeyType listenerKey)
    {
        await using var listener = await TestHosts.StartAsync(listenerKey);
        await using var dialer = await TestHosts.StartAsync(dialerKey);

        var connection = await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);
        var rtt = await dialer.PingAsync(connection).WaitAsync(TestHosts.Timeout);

        Assert.That(connection.RemotePeer, Is.EqualTo(listener.PeerId));
        Assert.That(connection.Direction, Is.EqualTo(ConnectionDirection.Outbound));
        Assert.That(rtt, Is.GreaterThan(TimeSpan.Zero).And.LessThan(TestHosts.Timeout));
        Assert.That(connection.LastRtt, Is.EqualTo(rtt));
    }

    [Test]
    public async Task Listener_sees_the_inbound_connection_with_the_dialer_identity()
    {
        await using var listener = await TestHosts.StartAsync();
        await using var dialer = await TestHosts.StartAsync();
        var opened = new TaskCompletionSource<Connection>(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.ConnectionOpened += (_, e) => opened.TrySetResult(e.Connection);

        await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);
        var inbound = await opened.Task.WaitAsync(TestHosts.Timeout);

        Assert.That(inbound.RemotePeer, Is.EqualTo(dialer.PeerId));
        Assert.That(inbound.Direction, Is.EqualTo(ConnectionDirection.Inbound));
    }

    [Test]
    public async Task Hundred_concurrent_streams_echo_one_mebibyte_each()
    {
        await using var listener = await TestHosts.StartAsync();
        listener.SetHandler(EchoProtocol.Id, EchoProtocol.HandleAsync);
        await using var dialer = await TestHosts.StartAsync();
        var connection = await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);

        var runs = Enumerable.Range(0, 100).Select(async i =>
        {
            var payload = EchoProtocol.Pattern(1 << 20, i);
            var echoed = await EchoProtocol.RoundTripAsync(connection, payload, CancellationToken.None);
            return echoed.AsSpan().SequenceEqual(payload);
        }).ToArray();
        var results = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(50));

        Assert.That(results, Has.All.True);
    }

    [Test]
    public async Task Closing_a_host_closes_its_connections_on_the_other_side()
    {
        var listener = await TestHosts.StartAsync();
        await using var dialer = await TestHosts.StartAsync();
        var connection = await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        dialer.ConnectionClosed += (_, e) => { if (e.Connection == connection) closed.TrySetResult(); };

        await listener.DisposeAsync();

        await closed.Task.WaitAsync(TestHosts.Timeout);
        Assert.That(dialer.Connections, Is.Empty);
    }

    [Test]
    public async Task IPv6_loopback_works()
    {
        await using var listener = await TestHosts.StartAsync(listen: "/ip6/::1/tcp/0");
        await using var dialer = await TestHosts.StartAsync(listen: "/ip6/::1/tcp/0");

        var connection = await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);

        Assert.That(connection.RemoteAddress.ToString(), Does.StartWith("/ip6/::1/tcp/"));
        Assert.That(await dialer.PingAsync(connection).WaitAsync(TestHosts.Timeout), Is.GreaterThan(TimeSpan.Zero));
    }

    [Test]
    public void Options_are_validated_at_start_up()
    {
        var bad = new PeerHostOptions { Identity = PrivateKey.Generate(KeyType.Ed25519), MaxConnections = 0 };

        var error = Assert.Throws<ArgumentException>(() => _ = new PeerHost(bad));

        Assert.That(error!.Message, Does.Contain("MaxConnections"));
    }
}
