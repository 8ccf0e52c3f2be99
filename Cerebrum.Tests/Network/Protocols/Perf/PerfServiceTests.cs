using System.Buffers.Binary;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Protocols.Perf;
using Cerebrum.Core.Network.Yamux;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Protocols.Perf;

/// <summary>
/// The perf protocol between two hosts, and who may use it: nobody by default (issue 13 item 7: it was served to anyone,
/// up to 2^63 bytes per stream on 1,024 streams), only the chosen peers when a list is given, and within its byte and
/// stream caps.
/// </summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class PerfServiceTests
{
    private static Func<PeerHostOptions, PeerHostOptions> Serving(PerfOptions perf) => o => o with { Perf = perf };

    [Test]
    public async Task Perf_moves_the_requested_bytes_both_ways()
    {
        await using var listener = await TestHosts.StartAsync(configure: Serving(new PerfOptions { Enabled = true }));
        await using var dialer = await TestHosts.StartAsync();
        var connection = await dialer.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);

        var result = await dialer.PerfAsync(connection, 3_000_001, 5_000_003, streams: 4).WaitAsync(TestHosts.Timeout);

        Assert.That(result.UploadBytes, Is.EqualTo(3_000_001));
        Assert.That(result.DownloadBytes, Is.EqualTo(5_000_003));
        Assert.That(result.Total, Is.GreaterThanOrEqualTo(result.UploadTime));
    }

    [Test]
    public async Task A_default_host_does_not_serve_perf_or_list_it()
    {
        await using var listener = await TestHosts.StartAsync();
        await using var attacker = await TestHosts.StartAsync();
        var connection = await attacker.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);

        Assert.That(listener.Protocols, Does.Not.Contain(PerfService.ProtocolId));
        var identify = await attacker.IdentifyAsync(connection).WaitAsync(TestHosts.Timeout);
        Assert.That(identify.Protocols, Does.Not.Contain(PerfService.ProtocolId));
        Assert.ThrowsAsync<ProtocolNotSupportedException>(() =>
            attacker.PerfAsync(connection, 0, 1L << 40).WaitAsync(TestHosts.Timeout));
    }

    [Test]
    public async Task Only_the_allowed_peers_may_run_perf()
    {
        using var friendKey = PrivateKey.Generate(KeyType.Ed25519);
        await using var listener = await TestHosts.StartAsync(configure: Serving(new PerfOptions
        {
            Enabled = true,
            AllowedPeers = new HashSet<PeerId> { friendKey.PeerId },
        }));
        await using var friend = await TestHosts.StartAsync(configure: o => o with { Identity = friendKey });
        await using var stranger = await TestHosts.StartAsync();

        var friendly = await friend.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);
        var result = await friend.PerfAsync(friendly, 1000, 2000).WaitAsync(TestHosts.Timeout);
        Assert.That(result.DownloadBytes, Is.EqualTo(2000));

        var strange = await stranger.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);
        Assert.ThrowsAsync<YamuxStreamResetException>(() => stranger.PerfAsync(strange, 1000, 2000).WaitAsync(TestHosts.Timeout));
        Assert.That(strange.IsClosed, Is.False, "a refused perf stream is reset; the connection stays");
    }

    [Test]
    public async Task A_request_above_the_cap_is_refused_before_anything_is_sent()
    {
        await using var listener = await TestHosts.StartAsync(configure: Serving(new PerfOptions { Enabled = true, MaxBytesPerStream = 1 << 20 }));
        await using var attacker = await TestHosts.StartAsync();
        var connection = await attacker.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);

        // The original attack: ask for 2^63 - 1 bytes back. The listener resets the stream instead of sending.
        await using var stream = await connection.OpenStreamAsync(PerfService.ProtocolId).WaitAsync(TestHosts.Timeout);
        var header = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(header, long.MaxValue);
        await stream.Stream.WriteAsync(header).AsTask().WaitAsync(TestHosts.Timeout);
        await stream.CompleteWritesAsync().AsTask().WaitAsync(TestHosts.Timeout);
        var buffer = new byte[4096];
        Assert.ThrowsAsync<YamuxStreamResetException>(async () =>
        {
            while (await stream.Stream.ReadAsync(buffer).AsTask().WaitAsync(TestHosts.Timeout) > 0)
            {
            }
        });

        // An upload beyond the cap is cut the same way; a run within it still works.
        Assert.ThrowsAsync<YamuxStreamResetException>(() => attacker.PerfAsync(connection, 2 << 20, 0).WaitAsync(TestHosts.Timeout));
        var within = await attacker.PerfAsync(connection, 1 << 20, 1 << 20).WaitAsync(TestHosts.Timeout);
        Assert.That(within.DownloadBytes, Is.EqualTo(1 << 20));
    }

    [Test]
    public async Task Streams_beyond_the_concurrency_cap_are_reset()
    {
        await using var listener = await TestHosts.StartAsync(configure: Serving(new PerfOptions { Enabled = true, MaxConcurrentStreams = 2 }));
        await using var attacker = await TestHosts.StartAsync();
        var connection = await attacker.DialAsync(TestHosts.AddressOf(listener)).WaitAsync(TestHosts.Timeout);

        // Two streams that never half-close hold both slots (the server is still discarding their uploads).
        var held = new List<Cerebrum.Core.Network.Streams.ProtocolStream>();
        for (var i = 0; i < 2; i++)
        {
            var stream = await connection.OpenStreamAsync(PerfService.ProtocolId).WaitAsync(TestHosts.Timeout);
            await stream.Stream.WriteAsync(new byte[8]).AsTask().WaitAsync(TestHosts.Timeout);
            held.Add(stream);
        }
        // The third is refused (poll: the server may not have started serving the two held ones yet).
        await Poll.UntilAsync(async () =>
        {
            try
            {
                await attacker.PerfAsync(connection, 10, 10).WaitAsync(TestHosts.Timeout);
                return false;
            }
            catch (YamuxStreamResetException)
            {
                return true;
            }
        }, TestHosts.Timeout);

        foreach (var stream in held)
            await stream.DisposeAsync();
        await Poll.UntilAsync(async () =>
        {
            try
            {
                return (await attacker.PerfAsync(connection, 10, 10).WaitAsync(TestHosts.Timeout)).DownloadBytes == 10;
            }
            catch (YamuxStreamResetException)
            {
                return false;
            }
        }, TestHosts.Timeout);
    }
}
