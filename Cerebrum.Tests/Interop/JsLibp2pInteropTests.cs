using System.Text.Json;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Protocols.Identify;
using Cerebrum.Core.Network.Protocols.Perf;
using Cerebrum.Core.Network.Protocols.Ping;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Interop;

/// <summary>Our libp2p stack against js-libp2p 2.x (scripts/interop), both directions, both key types.</summary>
[TestFixture]
[Category("Interop")]
[CancelAfter(120_000)]
public sealed class JsLibp2pInteropTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [TestCase("ed25519")]
    [TestCase("secp256k1")]
    public async Task We_dial_js_ping_and_identify(string jsKey)
    {
        var (js, listening) = await JsPeer.ListenAsync(jsKey);
        await using var _ = js;
        await using var host = await TestHosts.StartAsync();
        var jsAddress = listening.GetProperty("addrs")[0].GetString()!;

        var connection = await host.DialAsync(jsAddress).WaitAsync(Timeout);
        var rtt = await host.PingAsync(connection).WaitAsync(Timeout);
        var identify = await host.IdentifyAsync(connection).WaitAsync(Timeout);

        Assert.Multiple(() =>
        {
            Assert.That(connection.RemotePeer.ToString(), Is.EqualTo(listening.GetProperty("peerId").GetString()));
            Assert.That(connection.RemotePublicKey.Type, Is.EqualTo(jsKey == "ed25519" ? KeyType.Ed25519 : KeyType.Secp256k1));
            Assert.That(rtt, Is.GreaterThan(TimeSpan.Zero));
            Assert.That(identify.PeerId, Is.EqualTo(connection.RemotePeer));
            Assert.That(identify.PublicKey, Is.EqualTo(connection.RemotePublicKey));
            Assert.That(identify.AgentVersion, Is.EqualTo("cerebrum-interop-js/1.0.0"));
            Assert.That(identify.ProtocolVersion, Is.Not.Null.And.Not.Empty);
            Assert.That(identify.Protocols, Is.SupersetOf(new[] { IdentifyService.ProtocolId, PingService.ProtocolId, EchoProtocol.Id, PerfService.ProtocolId }));
            Assert.That(identify.ListenAddresses, Does.Contain(Multiaddress.Parse(jsAddress).WithoutPeerId()));
            Assert.That(identify.ObservedAddress, Is.EqualTo(connection.LocalAddress));
            // js signs its addresses into a peer record (RFC 0003); we verified it against its key.
            Assert.That(identify.PeerRecord, Is.Not.Null);
            Assert.That(identify.PeerRecord!.Peer, Is.EqualTo(connection.RemotePeer));
            Assert.That(identify.PeerRecord.Addresses, Does.Contain(Multiaddress.Parse(jsAddress).WithoutPeerId()));
            Assert.That(host.PeerStore.Get(connection.RemotePeer)!.SignedPeerRecord.IsEmpty, Is.False);
        });
    }

    [TestCase("ed25519")]
    [TestCase("secp256k1")]
    public async Task Js_dials_us_and_pings(string jsKey)
    {
        await using var host = await TestHosts.StartAsync();

        var (exit, events, stderr) = await JsPeer.DialAsync(jsKey, TestHosts.AddressOf(host).ToString(), Timeout, "ping", "--count", "3");

        Assert.That(exit, Is.Zero, stderr);
        var pings = events.Where(e => Event(e) == "ping").ToList();
        Assert.That(pings, Has.Count.EqualTo(3));
        Assert.That(pings.Select(p => p.GetProperty("rtt").GetDouble()), Has.All.GreaterThanOrEqualTo(0));
    }

    [TestCase("ed25519")]
    [TestCase("secp256k1")]
    public async Task Js_identifies_us_with_every_field(string jsKey)
    {
        await using var host = await TestHosts.StartAsync();
        host.SetHandler(EchoProtocol.Id, EchoProtocol.HandleAsync);
        var jsConnected = new TaskCompletionSource<Connection>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.ConnectionOpened += (_, e) => jsConnected.TrySetResult(e.Connection);

        var (exit, events, stderr) = await JsPeer.DialAsync(jsKey, TestHosts.AddressOf(host).ToString(), Timeout, "identify");

        Assert.That(exit, Is.Zero, stderr);
        var inbound = await jsConnected.Task.WaitAsync(Timeout);
        var identify = events.Single(e => Event(e) == "identify");
        Assert.Multiple(() =>
        {
            Assert.That(identify.GetProperty("peerId").GetString(), Is.EqualTo(host.PeerId.ToString()));
            Assert.That(identify.GetProperty("publicKey").GetString(), Is.EqualTo(Convert.ToHexStringLower(host.Identity.PublicKey.ToProtobuf())));
            Assert.That(identify.GetProperty("agentVersion").GetString(), Is.EqualTo("cerebrum-test/1.0"));
            Assert.That(identify.GetProperty("protocolVersion").GetString(), Is.EqualTo("ipfs/0.1.0"));
            Assert.That(Strings(identify.GetProperty("protocols")), Is.EquivalentTo(host.Protocols));
            Assert.That(Strings(identify.GetProperty("listenAddrs")).Select(a => Multiaddress.Parse(a).WithoutPeerId()), Does.Contain(host.ListenAddresses[0]));
            Assert.That(Multiaddress.Parse(identify.GetProperty("observedAddr").GetString()!), Is.EqualTo(inbound.RemoteAddress));
            Assert.That(inbound.RemotePublicKey.Type, Is.EqualTo(jsKey == "ed25519" ? KeyType.Ed25519 : KeyType.Secp256k1));
            // js opened our signed peer record and checked it against our key (it reports only verified ones).
            var record = identify.GetProperty("signedPeerRecord");
            Assert.That(record.ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Object), "js accepted our signed peer record");
            Assert.That(record.GetProperty("seq").GetString(), Is.EqualTo(Core.Network.Records.PeerRecord.Open(host.SignedPeerRecord.Span).Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(Strings(record.GetProperty("addrs")).Select(Multiaddress.Parse), Is.EqualTo(host.AdvertisedAddresses));
        });
    }

    [Test]
    public async Task Js_listener_receives_our_identify()
    {
        var (js, listening) = await JsPeer.ListenAsync("ed25519");
        await using var _ = js;
        await using var host = await TestHosts.StartAsync();

        await host.DialAsync(listening.GetProperty("addrs")[0].GetString()!).WaitAsync(Timeout);
        var identify = await js.WaitForAsync("identify", Timeout, e => e.GetProperty("peerId").GetString() == host.PeerId.ToString());

        Assert.That(identify.GetProperty("agentVersion").GetString(), Is.EqualTo("cerebrum-test/1.0"));
        Assert.That(Strings(identify.GetProperty("protocols")), Does.Contain(PingService.ProtocolId));
    }

    [Test]
    public async Task We_echo_hundred_streams_of_one_mebibyte_through_js()
    {
        var (js, listening) = await JsPeer.ListenAsync("secp256k1");
        await using var _ = js;
        await using var host = await TestHosts.StartAsync();
        var connection = await host.DialAsync(listening.GetProperty("addrs")[0].GetString()!).WaitAsync(Timeout);

        var runs = Enumerable.Range(0, 100).Select(async i =>
        {
            var payload = EchoProtocol.Pattern(1 << 20, i);
            var echoed = await EchoProtocol.RoundTripAsync(connection, payload, CancellationToken.None);
            return echoed.Length == payload.Length && echoed.AsSpan().SequenceEqual(payload);
        }).ToArray();
        var results = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(100));

        Assert.That(results, Has.All.True);
    }

    [Test]
    public async Task We_echo_through_js_on_lazily_opened_streams()
    {
        var (js, listening) = await JsPeer.ListenAsync("ed25519");
        await using var _ = js;
        await using var host = await TestHosts.StartAsync();
        var connection = await host.DialAsync(listening.GetProperty("addrs")[0].GetString()!).WaitAsync(Timeout);

        for (var i = 0; i < 3; i++)
        {
            // The request rides behind js's proposal; js's listener must keep it for the echo handler.
            var payload = EchoProtocol.Pattern(10_000 * (i + 1), i);
            await using var stream = await connection.OpenStreamLazyAsync(EchoProtocol.Id).WaitAsync(Timeout);
            await stream.Stream.WriteAsync(payload).AsTask().WaitAsync(Timeout);
            await stream.CompleteWritesAsync().AsTask().WaitAsync(Timeout);
            using var echoed = new MemoryStream();
            await stream.Stream.CopyToAsync(echoed).WaitAsync(Timeout);
            Assert.That(echoed.ToArray(), Is.EqualTo(payload), $"stream {i}");
        }
    }

    [Test]
    public async Task Js_refusing_a_lazy_proposal_is_protocol_not_supported()
    {
        var (js, listening) = await JsPeer.ListenAsync("ed25519");
        await using var _ = js;
        await using var host = await TestHosts.StartAsync();
        var connection = await host.DialAsync(listening.GetProperty("addrs")[0].GetString()!).WaitAsync(Timeout);

        await using var stream = await connection.OpenStreamLazyAsync("/cerebrum/absent/1.0.0").WaitAsync(Timeout);
        await stream.Stream.WriteAsync(new byte[] { 1, 2, 3 }).AsTask().WaitAsync(Timeout);

        Assert.That(async () => await stream.Stream.ReadAsync(new byte[16]).AsTask().WaitAsync(Timeout), Throws.InstanceOf<ProtocolNotSupportedException>());
        var echoed = await EchoProtocol.RoundTripAsync(connection, [7, 8, 9], CancellationToken.None).WaitAsync(Timeout);
        Assert.That(echoed, Is.EqualTo(new byte[] { 7, 8, 9 }), "the connection keeps working");
    }

    [Test]
    public async Task Js_echoes_hundred_streams_of_one_mebibyte_through_us()
    {
        await using var host = await TestHosts.StartAsync();
        host.SetHandler(EchoProtocol.Id, EchoProtocol.HandleAsync);

        var (exit, events, stderr) = await JsPeer.DialAsync("ed25519", TestHosts.AddressOf(host).ToString(), TimeSpan.FromSeconds(100),
            "echo", "--streams", "100", "--bytes", (1 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.That(exit, Is.Zero, stderr);
        var echo = events.Single(e => Event(e) == "echo");
        Assert.That(echo.GetProperty("ok").GetBoolean(), Is.True);
        Assert.That(echo.GetProperty("streams").GetInt32(), Is.EqualTo(100));
    }

    [Test]
    public async Task Perf_both_ways()
    {
        // Distinct sizes in every direction, so that a swapped or truncated count cannot pass; each side's bytes are
        // counted by the other.
        const long up = (8 << 20) + 1, down = (6 << 20) + 5;
        var (js, listening) = await JsPeer.ListenAsync("ed25519");
        await using var _ = js;
        await using var host = await TestHosts.StartAsync(configure: o => o with { Perf = new PerfOptions { Enabled = true } });
        var connection = await host.DialAsync(listening.GetProperty("addrs")[0].GetString()!).WaitAsync(Timeout);

        var ours = await host.PerfAsync(connection, up, down, streams: 2).WaitAsync(Timeout);

        await Poll.UntilAsync(() => js.Events.Count(e => Event(e) == "perf-served") == 2, Timeout);
        var served = js.Events.Where(e => Event(e) == "perf-served").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(served.Sum(e => e.GetProperty("received").GetInt64()), Is.EqualTo(up), "what the js server received of our upload");
            Assert.That(served.Sum(e => e.GetProperty("sent").GetInt64()), Is.EqualTo(down), "what the js server sent us");
            Assert.That(ours.UploadBytes, Is.EqualTo(up));
            Assert.That(ours.DownloadBytes, Is.EqualTo(down));
        });

        // js dials our perf server; the other side of it is our host's socket byte counters (the payload plus Noise,
        // Yamux, multistream and identify framing, which stays far below the 2 MiB between the two sizes).
        using var meters = new TestMeterFactory();
        using var exporter = new Cerebrum.Daemon.Metrics.PrometheusExporter(meters);
        await using var server = new PeerHost(new PeerHostOptions
        {
            Identity = PrivateKey.Generate(KeyType.Secp256k1),
            ListenAddresses = [Multiaddress.Parse("/ip4/127.0.0.1/tcp/0")],
            PingInterval = TimeSpan.Zero,
            Perf = new PerfOptions { Enabled = true },
        }, meterFactory: meters);
        await server.StartAsync();
        var (exit, events, stderr) = await JsPeer.DialAsync("secp256k1", TestHosts.AddressOf(server).ToString(), Timeout,
            "perf", "--upload", up.ToString(System.Globalization.CultureInfo.InvariantCulture), "--download", down.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.That(exit, Is.Zero, stderr);
        var theirs = events.Single(e => Event(e) == "perf");
        var metrics = MetricsSnapshot.Of(exporter);
        var (serverReceived, serverSent) = (metrics.Value("cerebrum_network_received_bytes_total"), metrics.Value("cerebrum_network_sent_bytes_total"));
        const double framing = 0.01; // Noise adds 18 bytes per 64 KiB, Yamux 12 per frame and window update
        Assert.Multiple(() =>
        {
            Assert.That(theirs.GetProperty("sentBytes").GetInt64(), Is.EqualTo(up), "what js wrote");
            Assert.That(theirs.GetProperty("receivedBytes").GetInt64(), Is.EqualTo(down), "what js read from our server");
            Assert.That(serverReceived, Is.InRange(up, up * (1 + framing) + 64 * 1024), "bytes our server's sockets read");
            Assert.That(serverSent, Is.InRange(down, down * (1 + framing) + 64 * 1024), "bytes our server's sockets wrote");
        });
    }

    [Test]
    public async Task IPv6_both_ways()
    {
        var (js, listening) = await JsPeer.ListenAsync("ed25519", "::1");
        await using var _ = js;
        await using var host = await TestHosts.StartAsync(listen: "/ip6/::1/tcp/0");
        var jsAddress = Strings(listening.GetProperty("addrs")).First(a => a.StartsWith("/ip6/", StringComparison.Ordinal));

        var connection = await host.DialAsync(jsAddress).WaitAsync(Timeout);
        Assert.That(await host.PingAsync(connection).WaitAsync(Timeout), Is.GreaterThan(TimeSpan.Zero));

        var (exit, events, stderr) = await JsPeer.DialAsync("ed25519", TestHosts.AddressOf(host).ToString(), Timeout, "ping", "--count", "1");
        Assert.That(exit, Is.Zero, stderr);
        Assert.That(events.Count(e => Event(e) == "ping"), Is.EqualTo(1));
    }

    [Test]
    public async Task Dialing_js_with_a_wrong_peer_id_is_a_mismatch()
    {
        var (js, listening) = await JsPeer.ListenAsync("ed25519");
        await using var _ = js;
        await using var host = await TestHosts.StartAsync();
        var address = Multiaddress.Parse(listening.GetProperty("addrs")[0].GetString()!).WithPeerId(PrivateKey.Generate(KeyType.Ed25519).PeerId);

        var error = Assert.ThrowsAsync<DialException>(() => host.DialAsync(address).WaitAsync(Timeout));

        Assert.That(error!.Reason, Is.EqualTo(DialFailureReason.PeerIdMismatch));
    }

    [Test]
    public async Task Js_dialing_us_with_a_wrong_peer_id_fails()
    {
        await using var host = await TestHosts.StartAsync();
        var wrong = host.ListenAddresses[0].WithPeerId(PrivateKey.Generate(KeyType.Ed25519).PeerId);

        var (exit, events, _) = await JsPeer.DialAsync("ed25519", wrong.ToString(), Timeout, "ping", "--count", "1");

        Assert.That(exit, Is.Not.Zero);
        Assert.That(events.Any(e => e.TryGetProperty("error", out _)), Is.True);
        Assert.That(events.Any(e => Event(e) == "ping"), Is.False);
    }

    private static string? Event(JsonElement e) => e.TryGetProperty("event", out var name) ? name.GetString() : null;

    private static List<string> Strings(JsonElement array) => [.. array.EnumerateArray().Select(x => x.GetString()!)];
}
