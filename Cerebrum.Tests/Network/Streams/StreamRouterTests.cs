using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Streams;

/// <summary>Routing inbound streams to protocol handlers.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class StreamRouterTests
{
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
}
