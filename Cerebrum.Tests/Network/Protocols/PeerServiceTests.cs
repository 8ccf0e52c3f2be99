using System.Collections.Concurrent;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Protocols;
using Cerebrum.Core.Network.Streams;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Protocols;

/// <summary>The service seam: a service added to a host serves its protocols and hears of the host's start and every connection.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class PeerServiceTests
{
    [Test]
    public async Task A_service_added_before_start_serves_its_protocol_hears_every_connection_and_is_disposed_with_the_host()
    {
        var service = new RecordingService();
        var host = new PeerHost(new PeerHostOptions
        {
            Identity = PrivateKey.Generate(KeyType.Ed25519),
            ListenAddresses = [Multiaddress.Parse("/ip4/127.0.0.1/tcp/0")],
            PingInterval = TimeSpan.Zero,
        });
        await using var other = await TestHosts.StartAsync();
        try
        {
            host.AddService(service);
            Assert.That(service.Started, Is.Zero);
            Assert.That(host.Protocols, Does.Contain(RecordingService.ProtocolId));
            await host.StartAsync();
            Assert.That(service.Started, Is.EqualTo(1));

            var connection = await other.DialAsync(TestHosts.AddressOf(host)).WaitAsync(TestHosts.Timeout);
            var echoed = await RoundTripAsync(connection).WaitAsync(TestHosts.Timeout);
            Assert.That(echoed, Is.EqualTo(new byte[] { 9 }));
            await Poll.UntilAsync(() => service.Opened.Contains(other.PeerId), TestHosts.Timeout);

            await other.DisconnectAsync(host.PeerId);
            await Poll.UntilAsync(() => service.Closed.Contains(other.PeerId), TestHosts.Timeout);
        }
        finally
        {
            await host.DisposeAsync();
        }
        Assert.That(service.Disposed, Is.EqualTo(1));
        Assert.Throws<ObjectDisposedException>(() => host.AddService(new RecordingService()));
    }

    [Test]
    public async Task A_service_added_to_a_connected_host_hears_of_the_open_connections_and_peers_learn_its_protocol()
    {
        await using var host = await TestHosts.StartAsync(configure: o => o with { PingInterval = TimeSpan.Zero });
        await using var other = await TestHosts.StartAsync();
        var connection = await other.DialAsync(TestHosts.AddressOf(host)).WaitAsync(TestHosts.Timeout);
        await other.IdentifyAsync(connection).WaitAsync(TestHosts.Timeout);
        await Poll.UntilAsync(() => host.FindConnection(other.PeerId) is not null, TestHosts.Timeout);
        var service = new RecordingService();

        host.AddService(service);

        Assert.That(service.Opened, Does.Contain(other.PeerId));
        await Poll.UntilAsync(() => other.PeerStore.Get(host.PeerId)!.Protocols.Contains(RecordingService.ProtocolId), TestHosts.Timeout);
    }

    private static async Task<byte[]> RoundTripAsync(Connection connection)
    {
        await using var stream = await connection.OpenStreamAsync(RecordingService.ProtocolId);
        await stream.Stream.WriteAsync(new byte[] { 9 });
        await stream.CompleteWritesAsync();
        var buffer = new byte[8];
        var read = await stream.Stream.ReadAtLeastAsync(buffer, 1, throwOnEndOfStream: false);
        return buffer[..read];
    }

    /// <summary>Echoes one byte on its protocol and records what the host tells it.</summary>
    private sealed class RecordingService : IPeerService
    {
        public const string ProtocolId = "/cerebrum-test/service/1.0.0";
        private int _started;
        private int _disposed;

        public RecordingService() =>
            Handlers = new Dictionary<string, ProtocolHandler> { [ProtocolId] = EchoOneByteAsync };

        public IReadOnlyDictionary<string, ProtocolHandler> Handlers { get; }

        public int Started => Volatile.Read(ref _started);

        public int Disposed => Volatile.Read(ref _disposed);

        public ConcurrentBag<PeerId> Opened { get; } = [];

        public ConcurrentBag<PeerId> Closed { get; } = [];

        public void OnStarted() => Interlocked.Increment(ref _started);

        public void OnConnectionOpened(Connection connection) => Opened.Add(connection.RemotePeer);

        public void OnConnectionClosed(Connection connection) => Closed.Add(connection.RemotePeer);

        public ValueTask DisposeAsync()
        {
            Interlocked.Increment(ref _disposed);
            return ValueTask.CompletedTask;
        }

        private static async Task EchoOneByteAsync(ProtocolStream stream, CancellationToken ct)
        {
            var buffer = new byte[1];
            await stream.Stream.ReadExactlyAsync(buffer, ct);
            await stream.Stream.WriteAsync(buffer, ct);
            await stream.CompleteWritesAsync(ct);
        }
    }
}
