using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Records;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Records;

/// <summary>
/// Signed peer records come from any peer (identify) and from third parties (gossipsub PX): <see cref="PeerRecord.Open"/>
/// either returns a record its own peer signed or throws <see cref="FormatException"/>, for any bytes, including
/// hostile payloads that carry a valid signature.
/// </summary>
public class PeerRecordFuzzTests
{
    private static readonly PrivateKey Peer = Fuzz.Key("peer-record-fuzz-peer", KeyType.Ed25519);

    [OneTimeTearDown]
    public void DisposeKey() => Peer.Dispose();

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void Open_ReturnsAVerifiedRecord_OrAFormatException(int seed)
    {
        var record = new PeerRecord(Peer.PeerId, 1_764_000_000_000,
            [Multiaddress.Parse("/ip4/203.0.113.7/tcp/4001"), Multiaddress.Parse("/dns4/node.example/tcp/4001")]);
        byte[][] valid = [record.Sign(Peer)];
        var payload = SignedEnvelope.Open(valid[0], PeerRecord.Domain).Payload.ToArray();
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(500); i++)
        {
            // Half the time the record itself is hostile but properly signed, so the checks past the signature run too.
            var input = i % 2 == 0 ? mutator.Next(valid, 200) : SignedEnvelope.Seal(Peer, PeerRecord.Domain, PeerRecord.PayloadType, mutator.Mutate(payload));
            PeerRecord? opened = null;
            if (Fuzz.CheckBounded("PeerRecord.Open", seed, input, () => opened = PeerRecord.Open(input), typeof(FormatException)))
            {
                Assert.That(opened!.Peer, Is.EqualTo(Peer.PeerId), $"seed {seed}: a record opens only as its signer's: 0x{Convert.ToHexStringLower(input)}");
                Assert.That(opened.Addresses, Has.Count.LessThanOrEqualTo(PeerRecord.MaxAddresses));
            }
        }
    }
}
