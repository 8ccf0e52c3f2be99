using System.Net.Sockets;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Noise;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network;

/// <summary>Peers that misbehave after a valid handshake: the host drops them and keeps serving everyone else.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class PeerHostAbuseTests
{
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    public async Task Garbage_after_a_valid_handshake_closes_only_that_connection(int kind)
    {
        await using var listener = await TestHosts.StartAsync();
        await using var honest = await TestHosts.StartAsync();
        var honestConnection = await honest.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);

        await using var secure = await SecureRawAsync(listener);
        byte[] garbage = kind switch
        {
            0 => EchoProtocol.Pattern(8192, 3),                                    // random bytes where yamux frames belong
            1 => [0x07, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00], // unknown yamux version
            _ => [0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0xFF, 0xFF, 0xFF, 0xFF],  // SYN with a 4 GiB data frame
        };
        await secure.WriteAsync(garbage).AsTask().WaitAsync(TestHosts.Timeout);
        await secure.FlushAsync().WaitAsync(TestHosts.Timeout);

        Assert.That(await ReadsToEndAsync(secure), Is.True, "the listener should close the abusive connection");
        Assert.That(await honest.PingAsync(honestConnection).WaitAsync(TestHosts.Timeout), Is.GreaterThan(TimeSpan.Zero));
    }

    [Test]
    public async Task A_peer_that_writes_without_reading_is_stalled_by_flow_control_and_others_are_served()
    {
        await using var listener = await TestHosts.StartAsync();
        listener.SetHandler(EchoProtocol.Id, EchoProtocol.HandleAsync);
        await using var flooder = await TestHosts.StartAsync();
        await using var honest = await TestHosts.StartAsync();
        var connection = await flooder.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);
        var before = GC.GetTotalMemory(forceFullCollection: true);

        // Echo requests whose answers are never read: the echo handler blocks on our window, stops reading,
        // and then our writes block on its window. Nothing buffers without bound.
        await using var stream = await connection.OpenStreamAsync(EchoProtocol.Id).WaitAsync(TestHosts.Timeout);
        var chunk = new byte[64 * 1024];
        long written = 0;
        using var stop = new CancellationTokenSource();
        var flooding = Task.Run(async () =>
        {
            while (written < 1L << 30)
            {
                await stream.Stream.WriteAsync(chunk, stop.Token);
                Interlocked.Add(ref written, chunk.Length);
            }
        });

        var finished = await Task.WhenAny(flooding, Task.Delay(TimeSpan.FromSeconds(3)));
        var stalledAt = Interlocked.Read(ref written);
        var after = GC.GetTotalMemory(forceFullCollection: true);

        Assert.That(finished, Is.Not.SameAs(flooding), "1 GiB must not be accepted by a peer that is not reading");
        Assert.That(stalledAt, Is.LessThan(64L << 20), "the flooder is stalled within a few windows");
        Assert.That(after - before, Is.LessThan(128L << 20), "memory stays bounded");
        var honestConnection = await honest.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);
        Assert.That(await honest.PingAsync(honestConnection).WaitAsync(TestHosts.Timeout), Is.GreaterThan(TimeSpan.Zero));

        await stop.CancelAsync();
        stream.Reset();
        try
        {
            await flooding.WaitAsync(TestHosts.Timeout);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
        }
    }

    /// <summary>A client that does the real libp2p upgrade by hand, then lets the test write raw bytes in place of yamux frames.</summary>
    private static async Task<NoiseSecureStream> SecureRawAsync(PeerHost listener)
    {
        Assert.That(listener.ListenAddresses[0].TryGetTcpEndpoint(out var ip, out var port, out _, out _), Is.True);
        var client = new TcpClient();
        await client.ConnectAsync(ip, port).WaitAsync(TestHosts.Timeout);
        var raw = client.GetStream();
        using var cts = new CancellationTokenSource(TestHosts.Timeout);
        await MultistreamSelect.SelectAsync(raw, [NoiseSecurity.ProtocolId], cts.Token);
        var secure = await NoiseSecurity.SecureOutboundAsync(raw, PrivateKey.Generate(KeyType.Ed25519), listener.PeerId, cts.Token);
        await MultistreamSelect.SelectAsync(secure, ["/yamux/1.0.0"], cts.Token);
        return secure;
    }

    private static async Task<bool> ReadsToEndAsync(Stream stream)
    {
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer).AsTask().WaitAsync(TestHosts.Timeout) > 0)
            {
            }
            return true;
        }
        catch (IOException)
        {
            return true; // reset or authentication failure on a closed connection also means "closed"
        }
    }
}
