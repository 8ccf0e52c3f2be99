using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Tests.PubSub;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Connections;

/// <summary>The host's connection manager: trimming the lowest-scored connections at the high watermark, and bans.</summary>
[TestFixture]
public sealed class ConnectionManagerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static Func<PeerHostOptions, PeerHostOptions> Capped(int max, int? high = null, int? low = null, TimeProvider? time = null) =>
        options => options with
        {
            MaxConnections = max,
            ConnectionHighWater = high,
            ConnectionLowWater = low,
            PingInterval = TimeSpan.Zero,
            Time = time ?? TimeProvider.System,
        };

    private static async Task<PeerHost[]> StartClientsAsync(int count) =>
        await Task.WhenAll(Enumerable.Range(0, count).Select(_ => TestHosts.StartAsync(KeyType.Ed25519, Capped(16))));

    private static async Task DisposeAllAsync(IEnumerable<PeerHost> hosts)
    {
        foreach (var host in hosts) await host.DisposeAsync();
    }

    private static async Task WaitClosedAsync(Connection connection)
    {
        try
        {
            await connection.Completion.WaitAsync(Timeout);
        }
        catch (Exception e) when (e is not TimeoutException)
        {
            // a reset ends the session with an error; closed is closed
        }
    }

    private static HashSet<PeerId> PeersOf(PeerHost host) => [.. host.Connections.Select(c => c.RemotePeer)];

    [Test]
    public async Task AtTheHighWatermark_AnInboundConnectionTrimsTheLowestScoredInsteadOfBeingRefused()
    {
        var time = new ManualTimeProvider();
        await using var server = await TestHosts.StartAsync(KeyType.Ed25519, Capped(max: 3, high: 3, low: 2, time: time));
        var clients = await StartClientsAsync(4);
        try
        {
            var scores = new Dictionary<PeerId, double>
            {
                [clients[0].PeerId] = 5, [clients[1].PeerId] = -20, [clients[2].PeerId] = 1, [clients[3].PeerId] = 0,
            };
            server.PeerScorer = peer => scores.GetValueOrDefault(peer);
            for (var i = 0; i < 3; i++)
                await clients[i].DialAsync(TestHosts.AddressOf(server));
            await Poll.UntilAsync(() => server.Connections.Count == 3, Timeout);
            time.Advance(new PeerHostOptions { Identity = server.Identity }.TrimGracePeriod); // all three past their grace

            var fourth = await clients[3].DialAsync(TestHosts.AddressOf(server));

            await Poll.UntilAsync(() => PeersOf(server).SetEquals([clients[0].PeerId, clients[2].PeerId, clients[3].PeerId]), Timeout);
            await Poll.UntilAsync(() => clients[1].FindConnection(server.PeerId) is null, Timeout);
            Assert.That(fourth.IsClosed, Is.False);
        }
        finally
        {
            await DisposeAllAsync(clients);
        }
    }

    [Test]
    public async Task AtTheHighWatermark_AConnectionWithinItsGracePeriodIsNotTrimmed_EvenIfLowestScored()
    {
        var time = new ManualTimeProvider();
        await using var server = await TestHosts.StartAsync(KeyType.Ed25519, options => Capped(max: 3, high: 3, low: 2, time: time)(options) with
        {
            TrimGracePeriod = TimeSpan.FromSeconds(30),
        });
        var clients = await StartClientsAsync(4);
        try
        {
            var scores = new Dictionary<PeerId, double>
            {
                [clients[0].PeerId] = 5, [clients[1].PeerId] = 1, [clients[2].PeerId] = -20, [clients[3].PeerId] = 0,
            };
            server.PeerScorer = peer => scores.GetValueOrDefault(peer);
            await clients[0].DialAsync(TestHosts.AddressOf(server));
            await clients[1].DialAsync(TestHosts.AddressOf(server));
            await Poll.UntilAsync(() => server.Connections.Count == 2, Timeout);
            time.Advance(TimeSpan.FromSeconds(31)); // clients 0 and 1 are past their grace
            var fresh = await clients[2].DialAsync(TestHosts.AddressOf(server));
            await Poll.UntilAsync(() => server.Connections.Count == 3, Timeout);
            time.Advance(TimeSpan.FromSeconds(10)); // client 2, the lowest scorer, is 10 s old: still within its grace

            var fourth = await clients[3].DialAsync(TestHosts.AddressOf(server));

            // The lowest-scored connection past its grace (client 1) goes, not the fresh one (client 2).
            await Poll.UntilAsync(() => PeersOf(server).SetEquals([clients[0].PeerId, clients[2].PeerId, clients[3].PeerId]), Timeout);
            await Poll.UntilAsync(() => clients[1].FindConnection(server.PeerId) is null, Timeout);
            Assert.That(fresh.IsClosed, Is.False);
            Assert.That(fourth.IsClosed, Is.False);

            // Trimming again: client 0 is the only one past its grace, so it goes although client 2 scores lower.
            Assert.That(server.TrimConnections(), Is.EqualTo(1));
            Assert.That(PeersOf(server), Is.EquivalentTo(new[] { clients[2].PeerId, clients[3].PeerId }));
            // Now every open connection is within its grace: nothing is trimmed.
            await clients[1].DialAsync(TestHosts.AddressOf(server));
            await Poll.UntilAsync(() => server.Connections.Count == 3, Timeout);
            Assert.That(server.TrimConnections(), Is.Zero);
        }
        finally
        {
            await DisposeAllAsync(clients);
        }
    }

    [Test]
    public void ANegativeTrimGracePeriod_IsRejectedAtConstruction()
    {
        var options = new PeerHostOptions { Identity = PrivateKey.Generate(KeyType.Ed25519), TrimGracePeriod = TimeSpan.FromSeconds(-1) };
        Assert.That(options.Validate, Throws.ArgumentException.With.Property("ParamName").EqualTo(nameof(PeerHostOptions.TrimGracePeriod)));
    }

    [Test]
    public async Task WithoutAScorer_AnInboundConnectionBeyondTheCapIsRefused()
    {
        await using var server = await TestHosts.StartAsync(KeyType.Ed25519, Capped(max: 2));
        var clients = await StartClientsAsync(3);
        try
        {
            await clients[0].DialAsync(TestHosts.AddressOf(server));
            await clients[1].DialAsync(TestHosts.AddressOf(server));
            await Poll.UntilAsync(() => server.Connections.Count == 2, Timeout);

            Assert.That(server.TrimConnections(), Is.Zero);
            Assert.ThrowsAsync<DialException>(async () => await clients[2].DialAsync(TestHosts.AddressOf(server)));
            Assert.That(PeersOf(server), Is.EquivalentTo(new[] { clients[0].PeerId, clients[1].PeerId }));
        }
        finally
        {
            await DisposeAllAsync(clients);
        }
    }

    [Test]
    public async Task ABannedPeer_IsDisconnected_ItsRedialsClosed_AndOurDialsRefused_UntilTheBanExpires()
    {
        var time = new ManualTimeProvider();
        await using var server = await TestHosts.StartAsync(KeyType.Ed25519, Capped(max: 8, time: time));
        await using var client = await TestHosts.StartAsync(KeyType.Ed25519, Capped(max: 8));
        var first = await client.DialAsync(TestHosts.AddressOf(server));
        await Poll.UntilAsync(() => server.FindConnection(client.PeerId) is not null, Timeout);

        await server.BanAsync(client.PeerId, TimeSpan.FromMinutes(10));

        Assert.That(server.IsBanned(client.PeerId), Is.True);
        Assert.That(server.FindConnection(client.PeerId), Is.Null);
        await WaitClosedAsync(first);
        Assert.That(first.IsClosed, Is.True);

        try
        {
            var redial = await client.DialAsync(TestHosts.AddressOf(server));
            await WaitClosedAsync(redial);
            Assert.That(redial.IsClosed, Is.True);
        }
        catch (DialException)
        {
            // also acceptable: the server closed before the client finished its handshake
        }
        Assert.That(server.FindConnection(client.PeerId), Is.Null);
        var refused = Assert.ThrowsAsync<DialException>(async () => await server.DialAsync(TestHosts.AddressOf(client)));
        Assert.That(refused!.Reason, Is.EqualTo(DialFailureReason.Banned));

        time.Advance(TimeSpan.FromMinutes(10));

        Assert.That(server.IsBanned(client.PeerId), Is.False);
        var again = await server.DialAsync(TestHosts.AddressOf(client));
        Assert.That(again.RemotePeer, Is.EqualTo(client.PeerId));
    }

    [TestCase(4, 5, null)]
    [TestCase(4, 3, 3)]
    [TestCase(4, null, 4)]
    public void InvalidWatermarks_AreRejectedAtConstruction(int max, int? high, int? low)
    {
        using var identity = PrivateKey.Generate(KeyType.Ed25519);
        var options = new PeerHostOptions { Identity = identity, MaxConnections = max, ConnectionHighWater = high, ConnectionLowWater = low };

        Assert.Throws<ArgumentException>(options.Validate);
    }
}
