using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Protocols.Identify;
using Cerebrum.Core.Network.Protocols.Ping;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Protocols.Identify;

/// <summary>identify and identify push between two hosts.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class IdentifyServiceTests
{
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
}
