using Cerebrum.Core.Crypto;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Protocols.Perf;

/// <summary>The perf protocol between two hosts.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class PerfServiceTests
{
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
}
