using System.Net;
using System.Net.Sockets;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Protocols.Identify;
using Cerebrum.Core.Network.Protocols.Ping;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network;

[TestFixture]
[CancelAfter(60_000)]
public sealed class HostTests
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
    public async Task Identify_reports_every_field()
    {
        await using var listener = await TestHosts.StartAsync(KeyType.Ed25519);
        listener.SetHandler(EchoProtocol.Id, EchoProtocol.HandleAsync);
        await using var dialer = await TestHosts.StartAsync();
        var connection = await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);

        var result = await dialer.IdentifyAsync(connection).WaitAsync(TestHosts.Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(result.PeerId, Is.EqualTo(listener.PeerId));
            Assert.That(result.PublicKey, Is.EqualTo(listener.Identity.PublicKey));
            Assert.That(result.AgentVersion, Is.EqualTo("cerebrum-test/1.0"));
            Assert.That(result.ProtocolVersion, Is.EqualTo("ipfs/0.1.0"));
            Assert.That(result.Protocols, Is.SupersetOf(new[] { IdentifyService.ProtocolId, IdentifyService.PushProtocolId, PingService.ProtocolId, EchoProtocol.Id }));
            Assert.That(result.ListenAddresses, Does.Contain(listener.ListenAddresses[0]));
            Assert.That(result.ObservedAddress, Is.EqualTo(connection.LocalAddress));
        });
        var stored = dialer.PeerStore.Get(listener.PeerId);
        Assert.That(stored?.AgentVersion, Is.EqualTo("cerebrum-test/1.0"));
    }

    [Test]
    public async Task Identify_push_tells_connected_peers_about_a_new_protocol()
    {
        await using var listener = await TestHosts.StartAsync();
        await using var dialer = await TestHosts.StartAsync();
        var connection = await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);
        await dialer.IdentifyAsync(connection).WaitAsync(TestHosts.Timeout);
        Assert.That(dialer.PeerStore.Get(listener.PeerId)!.Protocols, Does.Not.Contain("/late/1.0.0"));

        listener.SetHandler("/late/1.0.0", (_, _) => Task.CompletedTask);

        await Poll.UntilAsync(() => dialer.PeerStore.Get(listener.PeerId)!.Protocols.Contains("/late/1.0.0"), TestHosts.Timeout);
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

    [Test]
    public async Task Unknown_protocol_is_refused_and_the_connection_keeps_working()
    {
        await using var listener = await TestHosts.StartAsync();
        await using var dialer = await TestHosts.StartAsync();
        var connection = await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);

        Assert.ThrowsAsync<ProtocolNotSupportedException>(() => connection.OpenStreamAsync("/nope/1.0.0").WaitAsync(TestHosts.Timeout));
        var rtt = await dialer.PingAsync(connection).WaitAsync(TestHosts.Timeout);

        Assert.That(rtt, Is.GreaterThan(TimeSpan.Zero));
    }

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
    public async Task Perf_moves_the_requested_bytes_both_ways()
    {
        await using var listener = await TestHosts.StartAsync();
        await using var dialer = await TestHosts.StartAsync();
        var connection = await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);

        var result = await dialer.PerfAsync(connection, 3_000_001, 5_000_003, streams: 4).WaitAsync(TestHosts.Timeout);

        Assert.That(result.UploadBytes, Is.EqualTo(3_000_001));
        Assert.That(result.DownloadBytes, Is.EqualTo(5_000_003));
        Assert.That(result.Total, Is.GreaterThanOrEqualTo(result.UploadTime));
    }

    [Test]
    public void Options_are_validated_at_start_up()
    {
        var bad = new PeerHostOptions { Identity = PrivateKey.Generate(KeyType.Ed25519), MaxConnections = 0 };

        var error = Assert.Throws<ArgumentException>(() => _ = new PeerHost(bad));

        Assert.That(error!.Message, Does.Contain("MaxConnections"));
    }

    private static IPEndPoint EndpointOf(PeerHost host)
    {
        Assert.That(host.ListenAddresses[0].TryGetTcpEndpoint(out var ip, out var port, out _, out _), Is.True);
        return new IPEndPoint(IPAddress.Parse(ip), port);
    }
}
