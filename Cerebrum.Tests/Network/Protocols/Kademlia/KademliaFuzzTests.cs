using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Protocols.Kademlia;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Protocols.Kademlia;

/// <summary>
/// DHT messages come from any peer: decoding yields a bounded, checked message or a <see cref="FormatException"/>, and
/// the node answers any request or refuses it with a <see cref="FormatException"/>, its stores within their bounds.
/// </summary>
public sealed class KademliaFuzzTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void Requests_AreAnsweredOrRefused_WithinBounds(int seed)
    {
        using var self = Fuzz.Key("kademlia self", KeyType.Ed25519);
        using var from = Fuzz.Key("kademlia sender", KeyType.Ed25519);
        var model = ModelProviderKey.For("sha256:" + new string('b', 64));
        var peer = new KademliaPeer(from.PeerId, [Multiaddress.Parse("/ip4/8.8.8.8/tcp/4001"), Multiaddress.Parse("/dns4/a.example/tcp/1")]);
        byte[][] valid =
        [
            KademliaMessages.Encode(KademliaMessage.Request(KademliaMessageType.FindNode, from.PeerId.Bytes)),
            KademliaMessages.Encode(new KademliaMessage(KademliaMessageType.AddProvider, model, null, [], [peer])),
            KademliaMessages.Encode(new KademliaMessage(KademliaMessageType.GetProviders, model, null, [peer, peer with { Id = self.PeerId }], [peer])),
            KademliaMessages.Encode(new KademliaMessage(KademliaMessageType.PutValue, "/pk/x"u8.ToArray(), new KademliaRecord("/pk/x"u8.ToArray(), new byte[40]), [], [])),
        ];
        var options = new KademliaOptions { MaxProviderKeys = 64, MaxRecords = 16 };
        var node = new KademliaCore(self.PeerId, options, _ => [], [new PublicKeyRecordValidator()]);
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(1000); i++)
        {
            var input = mutator.Next(valid, 300);
            KademliaMessage? decoded = null;
            if (Fuzz.CheckBounded("KademliaMessages.Decode", seed, input, () => decoded = KademliaMessages.Decode(input, options.MaxMessageSize, options.MaxRecordValueSize), typeof(FormatException)))
            {
                Assert.That(decoded!.CloserPeers, Has.Count.LessThanOrEqualTo(KademliaMessages.MaxPeersPerList));
                Assert.That(decoded.CloserPeers.All(p => p.Addresses.Count <= KademliaMessages.MaxAddressesPerPeer), Is.True);
            }
            Fuzz.Check("KademliaCore.Handle", seed, input, () => node.Handle(from.PeerId, input, Now), typeof(FormatException));
        }
        Assert.That(node.Providers.KeyCount, Is.LessThanOrEqualTo(options.MaxProviderKeys));
        Assert.That(node.Records.Count, Is.LessThanOrEqualTo(options.MaxRecords));
    }
}
