using Cerebrum.Core.Crypto;

namespace Cerebrum.Tests.Crypto;

/// <summary>
/// The key test vectors of the libp2p peer-ids spec (peer-ids/peer-ids.md, "Test vectors"): hex-encoded
/// PrivateKey/PublicKey protobufs. The expected peer ID strings were derived from the spec's public-key bytes
/// with an independent Python implementation (identity multihash, base58btc, base32 CIDv1).
/// </summary>
public class PeerIdSpecVectorTests
{
    private const string Ed25519Private = "080112407e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
    private const string Ed25519Public = "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
    private const string Ed25519PeerIdText = "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq";
    private const string Ed25519PeerIdCid = "bafzaajaiaejcahwr5d5ofrfbis4l5d6uwr57hu5tjodrypfm6yaq6dsc2r2pzyt6";

    private const string Secp256k1Private = "0802122053DADF1D5A164D6B4ACDB15E24AA4C5B1D3461BDBD42ABEDB0A4404D56CED8FB";
    private const string Secp256k1Public = "08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99";
    private const string Secp256k1PeerIdText = "16Uiu2HAmLhLvBoYaoZfaMUKuibM6ac163GwKY74c5kiSLg5KvLpY";
    private const string Secp256k1PeerIdCid = "bafzaajiiaijcca3xo7uzjzcsyilaj6i54cj44qk7kqzpoao5rti2pjx6udtdbp6kte";

    private const string EcdsaPrivate = "08031279307702010104203E5B1FE9712E6C314942A750BD67485DE3C1EFE85B1BFB520AE8F9AE3DFA4A4CA00A06082A8648CE3D030107A14403420004DE3D300FA36AE0E8F5D530899D83ABAB44ABF3161F162A4BC901D8E6ECDA020E8B6D5F8DA30525E71D6851510C098E5C47C646A597FB4DCEC034E9F77C409E62";
    private const string EcdsaPublic = "0803125b3059301306072a8648ce3d020106082a8648ce3d03010703420004de3d300fa36ae0e8f5d530899d83abab44abf3161f162a4bc901d8e6ecda020e8b6d5f8da30525e71d6851510c098e5c47c646a597fb4dcec034e9f77c409e62";

    // The spec's RSA public key protobuf, truncated to its head: type and length are all the parser looks at
    // before rejecting the key type.
    private const string RsaPublicHead = "080012a604";

    [Test]
    public void Ed25519_PrivateKeyProtobufRoundTripsByteForByte()
    {
        using var key = PrivateKey.FromProtobuf(Convert.FromHexString(Ed25519Private));
        Assert.That(key.Type, Is.EqualTo(KeyType.Ed25519));
        Assert.That(Convert.ToHexStringLower(key.ToProtobuf()), Is.EqualTo(Ed25519Private));
    }

    [Test]
    public void Ed25519_PrivateKeyYieldsTheSpecPublicKey()
    {
        using var key = PrivateKey.FromProtobuf(Convert.FromHexString(Ed25519Private));
        Assert.That(Convert.ToHexStringLower(key.PublicKey.ToProtobuf()), Is.EqualTo(Ed25519Public));
    }

    [Test]
    public void Ed25519_PublicKeyProtobufRoundTripsByteForByte()
    {
        var key = PublicKey.FromProtobuf(Convert.FromHexString(Ed25519Public));
        Assert.That(key.Type, Is.EqualTo(KeyType.Ed25519));
        Assert.That(Convert.ToHexStringLower(key.ToProtobuf()), Is.EqualTo(Ed25519Public));
    }

    [Test]
    public void Ed25519_PeerIdIsTheIdentityMultihashOfTheProtobuf()
    {
        var id = PublicKey.FromProtobuf(Convert.FromHexString(Ed25519Public)).ToPeerId();
        // 36-byte protobuf <= 42, so identity multihash: 0x00, length 0x24, then the protobuf itself.
        Assert.That(Convert.ToHexStringLower(id.Bytes.Span), Is.EqualTo("0024" + Ed25519Public));
        Assert.That(id.ToString(), Does.StartWith("12D3KooW"));
        Assert.That(id.ToString(), Is.EqualTo(Ed25519PeerIdText));
        Assert.That(id.ToCidString(), Is.EqualTo(Ed25519PeerIdCid));
    }

    [Test]
    public void Secp256k1_PrivateKeyProtobufRoundTripsByteForByte()
    {
        using var key = PrivateKey.FromProtobuf(Convert.FromHexString(Secp256k1Private));
        Assert.That(key.Type, Is.EqualTo(KeyType.Secp256k1));
        Assert.That(Convert.ToHexString(key.ToProtobuf()), Is.EqualTo(Secp256k1Private));
    }

    [Test]
    public void Secp256k1_PrivateKeyYieldsTheSpecPublicKey()
    {
        using var key = PrivateKey.FromProtobuf(Convert.FromHexString(Secp256k1Private));
        Assert.That(Convert.ToHexStringLower(key.PublicKey.ToProtobuf()), Is.EqualTo(Secp256k1Public));
    }

    [Test]
    public void Secp256k1_PublicKeyProtobufRoundTripsByteForByte()
    {
        var key = PublicKey.FromProtobuf(Convert.FromHexString(Secp256k1Public));
        Assert.That(key.Type, Is.EqualTo(KeyType.Secp256k1));
        Assert.That(Convert.ToHexStringLower(key.ToProtobuf()), Is.EqualTo(Secp256k1Public));
    }

    [Test]
    public void Secp256k1_PeerIdIsTheIdentityMultihashOfTheProtobuf()
    {
        using var key = PrivateKey.FromProtobuf(Convert.FromHexString(Secp256k1Private));
        var id = key.PeerId;
        Assert.That(Convert.ToHexStringLower(id.Bytes.Span), Is.EqualTo("0025" + Secp256k1Public));
        Assert.That(id.ToString(), Does.StartWith("16Uiu2"));
        Assert.That(id.ToString(), Is.EqualTo(Secp256k1PeerIdText));
        Assert.That(id.ToCidString(), Is.EqualTo(Secp256k1PeerIdCid));
        Assert.That(id, Is.EqualTo(PublicKey.FromProtobuf(Convert.FromHexString(Secp256k1Public)).ToPeerId()));
    }

    [TestCase(Ed25519PeerIdText, Ed25519Public)]
    [TestCase(Secp256k1PeerIdText, Secp256k1Public)]
    public void PeerId_InlinedPublicKeyIsRecovered(string text, string publicKey)
    {
        var id = PeerId.Parse(text);
        var key = id.TryGetPublicKey();
        Assert.That(key, Is.Not.Null);
        Assert.That(Convert.ToHexStringLower(key!.ToProtobuf()), Is.EqualTo(publicKey));
        Assert.That(id.Matches(key), Is.True);
    }

    [Test]
    public void Ecdsa_KeysAreNotSupported()
    {
        Assert.That(() => PublicKey.FromProtobuf(Convert.FromHexString(EcdsaPublic)),
            Throws.TypeOf<NotSupportedException>().With.Message.Contains("Ecdsa"));
        Assert.That(() => PrivateKey.FromProtobuf(Convert.FromHexString(EcdsaPrivate)),
            Throws.TypeOf<NotSupportedException>().With.Message.Contains("Ecdsa"));
    }

    [Test]
    public void Rsa_KeysAreNotSupported()
    {
        var rsaPublic = Convert.FromHexString(RsaPublicHead).Concat(new byte[0x226]).ToArray();
        Assert.That(() => PublicKey.FromProtobuf(rsaPublic),
            Throws.TypeOf<NotSupportedException>().With.Message.Contains("Rsa"));
        Assert.That(() => PublicKey.FromRaw(KeyType.Rsa, new byte[10]),
            Throws.TypeOf<NotSupportedException>().With.Message.Contains("Rsa"));
        Assert.That(() => PrivateKey.Generate(KeyType.Rsa), Throws.TypeOf<NotSupportedException>());
        Assert.That(() => PrivateKey.Generate(KeyType.Ecdsa), Throws.TypeOf<NotSupportedException>());
    }
}
