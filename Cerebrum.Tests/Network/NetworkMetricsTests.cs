using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Daemon.Metrics;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network;

/// <summary>A host's <see cref="NetworkMetrics"/> follow its connections and traffic.</summary>
[TestFixture]
public sealed class NetworkMetricsTests
{
    private TestMeterFactory _factory = null!;
    private PrometheusExporter _exporter = null!;
    private PeerHost _metered = null!;
    private PeerHost _other = null!;

    [SetUp]
    public async Task SetUp()
    {
        _factory = new TestMeterFactory();
        _exporter = new PrometheusExporter(_factory);
        _metered = new PeerHost(new PeerHostOptions
        {
            Identity = PrivateKey.Generate(KeyType.Ed25519),
            ListenAddresses = [Multiaddress.Parse("/ip4/127.0.0.1/tcp/0")],
            PingInterval = TimeSpan.Zero, // the test pings itself, so traffic only moves when it says so
        }, meterFactory: _factory);
        await _metered.StartAsync();
        _other = await TestHosts.StartAsync(KeyType.Ed25519);
    }

    [TearDown]
    public async Task TearDown()
    {
        await _metered.DisposeAsync();
        await _other.DisposeAsync();
        _exporter.Dispose();
        _factory.Dispose();
    }

    private MetricsSnapshot Snapshot() => MetricsSnapshot.Of(_exporter);

    [Test]
    public async Task Dialing_CountsThePeerTheConnectionAndTheBytes()
    {
        var before = Snapshot();
        Assert.That(before.Value("cerebrum_network_peers"), Is.Zero);
        Assert.That(before.Value("cerebrum_network_sent_bytes_total"), Is.Zero);

        await _metered.DialAsync(TestHosts.AddressOf(_other));

        var after = Snapshot();
        Assert.That(after.Value("cerebrum_network_peers"), Is.EqualTo(1));
        Assert.That(after.Value("cerebrum_network_connections", ("direction", "outbound")), Is.EqualTo(1));
        Assert.That(after.Value("cerebrum_network_connections", ("direction", "inbound")), Is.Zero);
        // The handshakes alone move bytes both ways.
        Assert.That(after.Value("cerebrum_network_sent_bytes_total"), Is.GreaterThan(0));
        Assert.That(after.Value("cerebrum_network_received_bytes_total"), Is.GreaterThan(0));
    }

    [Test]
    public async Task Ping_AddsToBothByteCounters()
    {
        var connection = await _metered.DialAsync(TestHosts.AddressOf(_other));
        await _metered.PingAsync(connection);
        var before = Snapshot();

        await _metered.PingAsync(connection);

        var after = Snapshot();
        Assert.That(after.Value("cerebrum_network_sent_bytes_total"), Is.GreaterThan(before.Value("cerebrum_network_sent_bytes_total")));
        Assert.That(after.Value("cerebrum_network_received_bytes_total"), Is.GreaterThan(before.Value("cerebrum_network_received_bytes_total")));
    }

    [Test]
    public async Task InboundConnection_IsCountedAsInbound_AndGoneAfterDisconnect()
    {
        await _other.DialAsync(TestHosts.AddressOf(_metered));
        await Poll.UntilAsync(() => Snapshot().Value("cerebrum_network_connections", ("direction", "inbound")) == 1, TestHosts.Timeout);

        await _other.DisconnectAsync(_metered.PeerId);

        await Poll.UntilAsync(() => Snapshot().Value("cerebrum_network_peers") == 0, TestHosts.Timeout);
        Assert.That(Snapshot().Value("cerebrum_network_connections", ("direction", "inbound")), Is.Zero);
    }

    [Test]
    public async Task UninstrumentedHost_PublishesNothing()
    {
        await _other.DialAsync(TestHosts.AddressOf(_metered));
        await Poll.UntilAsync(() => Snapshot().Value("cerebrum_network_peers") == 1, TestHosts.Timeout);

        // _other has no factory: only _metered's one host reports, so there is exactly one series per gauge.
        Assert.That(Snapshot().Families.Single(f => f.Name == "cerebrum_network_peers").Series, Has.Count.EqualTo(1));
    }
}
