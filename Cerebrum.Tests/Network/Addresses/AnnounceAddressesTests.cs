using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Records;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Addresses;

/// <summary>A host behind a NAT or in a container tells peers the addresses it was told to announce, not its binds.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class AnnounceAddressesTests
{
    private static readonly Multiaddress[] Announced =
        [Multiaddress.Parse("/dns4/node.example/tcp/4001"), Multiaddress.Parse("/ip4/203.0.113.7/tcp/4001")];

    [Test]
    public async Task IdentifyAndTheSignedRecord_CarryTheAnnouncedAddresses_NotTheBoundOnes()
    {
        await using var announcing = await TestHosts.StartAsync(KeyType.Secp256k1, options => options with { AnnounceAddresses = Announced });
        await using var peer = await TestHosts.StartAsync(KeyType.Ed25519);
        var connection = await peer.DialAsync(TestHosts.AddressOf(announcing)).WaitAsync(TestHosts.Timeout);

        var identify = await peer.IdentifyAsync(connection).WaitAsync(TestHosts.Timeout);

        Assert.That(announcing.AdvertisedAddresses, Is.EqualTo(Announced));
        Assert.That(identify.ListenAddresses, Is.EqualTo(Announced));
        Assert.That(identify.PeerRecord!.Addresses, Is.EqualTo(Announced));
        Assert.That(PeerRecord.Open(announcing.SignedPeerRecord.Span).Addresses, Is.EqualTo(Announced));
        Assert.That(announcing.ListenAddresses.Single().ToString(), Does.StartWith("/ip4/127.0.0.1/tcp/"), "it still listens where it was bound");
    }

    [Test]
    public async Task AnAnnouncedAddressWithThePeersOwnId_IsAnnouncedWithoutIt()
    {
        using var key = PrivateKey.Generate(KeyType.Ed25519);
        var withId = Multiaddress.Parse("/ip4/203.0.113.7/tcp/4001").WithPeerId(key.PeerId);
        await using var host = await TestHosts.StartAsync(KeyType.Ed25519, options => options with { Identity = key, AnnounceAddresses = [withId] });

        Assert.That(host.AdvertisedAddresses, Is.EqualTo(new[] { Multiaddress.Parse("/ip4/203.0.113.7/tcp/4001") }));
    }
}
