using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Peers;
using Cerebrum.Core.Network.Records;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;

namespace Cerebrum.Tests.Network.Records;

/// <summary>Signed envelopes (RFC 0002) and peer records (RFC 0003): what verifies, and every way one must not.</summary>
[TestFixture]
public sealed class PeerRecordTests
{
    private static readonly Multiaddress[] Addresses = [Multiaddress.Parse("/ip4/203.0.113.7/tcp/4001"), Multiaddress.Parse("/ip6/2001:db8::1/tcp/4002")];

    [TestCase(KeyType.Secp256k1)]
    [TestCase(KeyType.Ed25519)]
    public void ASignedRecord_OpensToWhatWasSigned(KeyType type)
    {
        using var key = PrivateKey.Generate(type);

        var opened = PeerRecord.Open(new PeerRecord(key.PeerId, 1_764_000_000_000, Addresses).Sign(key));

        Assert.That(opened.Peer, Is.EqualTo(key.PeerId));
        Assert.That(opened.Sequence, Is.EqualTo(1_764_000_000_000UL));
        Assert.That(opened.Addresses, Is.EqualTo(Addresses));
    }

    [Test]
    public void TheEnvelope_UsesTheWireFieldNumbers_AndThePeerRecordPayloadType()
    {
        using var key = PrivateKey.Generate(KeyType.Ed25519);
        var envelope = new PeerRecord(key.PeerId, 7, Addresses).Sign(key);

        // Field 1 (key), 2 (payload type 03 01), 3 (payload), 5 (signature): what go- and js-libp2p put on the wire.
        var fields = new List<int>();
        var input = new CodedInputStream(envelope);
        ByteString? payloadType = null;
        while (input.ReadTag() is var tag and not 0)
        {
            fields.Add(WireFormat.GetTagFieldNumber(tag));
            var value = input.ReadBytes();
            if (WireFormat.GetTagFieldNumber(tag) == 2) payloadType = value;
        }
        Assert.That(fields, Is.EqualTo(new[] { 1, 2, 3, 5 }));
        Assert.That(payloadType!.ToByteArray(), Is.EqualTo(new byte[] { 0x03, 0x01 }));
    }

    [Test]
    public void AnyChangedByte_BreaksTheSignature_OrTheEncoding()
    {
        using var key = PrivateKey.Generate(KeyType.Secp256k1);
        var envelope = new PeerRecord(key.PeerId, 3, Addresses).Sign(key);

        for (var i = 0; i < envelope.Length; i++)
        {
            var tampered = (byte[])envelope.Clone();
            tampered[i] ^= 0x01;
            Assert.That(() => PeerRecord.Open(tampered), Throws.InstanceOf<FormatException>(), $"byte {i} flipped");
        }
    }

    [Test]
    public void ARecordSignedForAnotherDomain_OrAsAnotherPayloadType_IsRefused()
    {
        using var key = PrivateKey.Generate(KeyType.Ed25519);
        var payload = RecordPayload(key.PeerId, 1);

        var otherDomain = SignedEnvelope.Seal(key, "libp2p-routing-state", PeerRecord.PayloadType, payload);
        var otherType = SignedEnvelope.Seal(key, PeerRecord.Domain, [0x03, 0x02], payload);

        Assert.That(() => PeerRecord.Open(otherDomain), Throws.InstanceOf<FormatException>().With.Message.Contains("does not verify for domain 'libp2p-peer-record'"));
        Assert.That(() => PeerRecord.Open(otherType), Throws.InstanceOf<FormatException>().With.Message.Contains("not a peer record"));
    }

    [Test]
    public void ARecordOfOnePeer_SignedByAnother_IsRefused()
    {
        using var victim = PrivateKey.Generate(KeyType.Ed25519);
        using var forger = PrivateKey.Generate(KeyType.Ed25519);

        var forged = SignedEnvelope.Seal(forger, PeerRecord.Domain, PeerRecord.PayloadType, RecordPayload(victim.PeerId, 9));

        Assert.That(() => PeerRecord.Open(forged), Throws.InstanceOf<FormatException>().With.Message.Contains($"peer record of {victim.PeerId} signed by another key"));
        Assert.That(() => new PeerRecord(victim.PeerId, 1, Addresses).Sign(forger), Throws.ArgumentException);
    }

    [TestCase("")]
    [TestCase("ff")]
    [TestCase("0a02ffff")]
    [TestCase("0a0408011200122a0201")]
    public void BytesThatAreNoSignedEnvelope_AreAFormatException(string hex)
    {
        Assert.That(() => PeerRecord.Open(Convert.FromHexString(hex)), Throws.InstanceOf<FormatException>());
    }

    [Test]
    public async Task TheHostsOwnRecord_IsStable_WhileItsAddressesAre_AndNamesThem()
    {
        await using var host = await TestHosts.StartAsync(KeyType.Secp256k1);

        var first = host.SignedPeerRecord.ToArray();
        var again = host.SignedPeerRecord.ToArray();

        Assert.That(again, Is.EqualTo(first), "not re-signed while the addresses stay");
        var record = PeerRecord.Open(first);
        Assert.That(record.Peer, Is.EqualTo(host.PeerId));
        Assert.That(record.Addresses, Is.EqualTo(host.AdvertisedAddresses));
        Assert.That(record.Sequence, Is.EqualTo((ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).Within(60_000UL));
    }

    [Test]
    public void ThePeerStore_KeepsTheNewestRecord_AndPutsItsAddressesFirst()
    {
        using var key = PrivateKey.Generate(KeyType.Ed25519);
        var store = new PeerStore(16, TimeProvider.System);
        store.AddAddresses(key.PeerId, [Multiaddress.Parse("/ip4/10.0.0.9/tcp/1")]);
        var older = new PeerRecord(key.PeerId, 5, [Addresses[0]]);
        var newer = new PeerRecord(key.PeerId, 6, [Addresses[1]]);

        Assert.That(store.AddPeerRecord(newer, newer.Sign(key)), Is.True);
        Assert.That(store.AddPeerRecord(older, older.Sign(key)), Is.False, "an older record changes nothing");
        Assert.That(store.AddPeerRecord(newer, newer.Sign(key)), Is.False, "nor does the same sequence again");

        var info = store.Get(key.PeerId)!;
        Assert.That(info.PeerRecordSequence, Is.EqualTo(6UL));
        Assert.That(PeerRecord.Open(info.SignedPeerRecord.Span).Addresses, Is.EqualTo(new[] { Addresses[1] }));
        Assert.That(info.Addresses[0], Is.EqualTo(Addresses[1]));
        Assert.That(info.Addresses, Does.Contain(Multiaddress.Parse("/ip4/10.0.0.9/tcp/1")));
    }

    [Test]
    public void ThePeerStore_DropsABareP2pAddress_FromARecordOrAList_InsteadOfThrowing()
    {
        using var key = PrivateKey.Generate(KeyType.Ed25519);
        var store = new PeerStore(16, TimeProvider.System);
        var bare = Multiaddress.Parse($"/p2p/{key.PeerId}");
        var record = new PeerRecord(key.PeerId, 1, [bare, Addresses[0]]);

        Assert.That(store.AddPeerRecord(record, record.Sign(key)), Is.True);
        store.AddAddresses(key.PeerId, [bare, Addresses[1].WithPeerId(key.PeerId)]);

        Assert.That(store.Get(key.PeerId)!.Addresses, Is.EqualTo(new[] { Addresses[0], Addresses[1] }));
    }

    [Test]
    public async Task Identify_CarriesEachHostsVerifiedRecord_IntoThePeerStore()
    {
        await using var a = await TestHosts.StartAsync(KeyType.Secp256k1);
        await using var b = await TestHosts.StartAsync(KeyType.Ed25519);
        var connection = await a.DialAsync(TestHosts.AddressOf(b)).WaitAsync(TestHosts.Timeout);

        var identify = await a.IdentifyAsync(connection).WaitAsync(TestHosts.Timeout);

        Assert.That(identify.PeerRecord, Is.Not.Null);
        Assert.That(identify.PeerRecord!.Addresses, Is.EqualTo(b.AdvertisedAddresses));
        Assert.That(a.PeerStore.Get(b.PeerId)!.SignedPeerRecord.ToArray(), Is.EqualTo(b.SignedPeerRecord.ToArray()));
    }

    private static byte[] RecordPayload(PeerId peer, ulong sequence)
    {
        var record = new Cerebrum.Core.Network.Records.Proto.PeerRecord { PeerId = ByteString.CopyFrom(peer.Bytes.Span), Seq = sequence };
        record.Addresses.Add(new Cerebrum.Core.Network.Records.Proto.PeerRecord.Types.AddressInfo { Multiaddr = ByteString.CopyFrom(Addresses[0].ToBytes()) });
        return record.ToByteArray();
    }
}
