using System.Numerics;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Tests.Crypto;

public class SignatureTests
{
    private static readonly BigInteger Secp256k1Order = BigInteger.Parse(
        "0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber);

    private static readonly byte[] Message = "libp2p-tls-handshake:some payload"u8.ToArray();

    [TestCase(KeyType.Ed25519)]
    [TestCase(KeyType.Secp256k1)]
    public void SignThenVerify(KeyType type)
    {
        using var key = PrivateKey.Generate(type);
        var signature = key.Sign(Message);
        Assert.That(key.PublicKey.Verify(Message, signature), Is.True);
    }

    [TestCase(KeyType.Ed25519)]
    [TestCase(KeyType.Secp256k1)]
    public void Verify_FailsOnTamperedData(KeyType type)
    {
        using var key = PrivateKey.Generate(type);
        var signature = key.Sign(Message);
        var tampered = (byte[])Message.Clone();
        tampered[3] ^= 0x01;
        Assert.That(key.PublicKey.Verify(tampered, signature), Is.False);
        Assert.That(key.PublicKey.Verify(Message.AsSpan(1), signature), Is.False);
    }

    [TestCase(KeyType.Ed25519)]
    [TestCase(KeyType.Secp256k1)]
    public void Verify_FailsOnTamperedSignature(KeyType type)
    {
        using var key = PrivateKey.Generate(type);
        var signature = key.Sign(Message);
        // Flip a bit in the last byte: inside the signature value for both encodings (not DER framing).
        var tampered = (byte[])signature.Clone();
        tampered[^1] ^= 0x01;
        Assert.That(key.PublicKey.Verify(Message, tampered), Is.False);
        Assert.That(key.PublicKey.Verify(Message, signature.AsSpan(0, signature.Length - 1)), Is.False);
        Assert.That(key.PublicKey.Verify(Message, []), Is.False);
    }

    [TestCase(KeyType.Ed25519)]
    [TestCase(KeyType.Secp256k1)]
    public void Verify_FailsWithAnotherKey(KeyType type)
    {
        using var key = PrivateKey.Generate(type);
        using var other = PrivateKey.Generate(type);
        Assert.That(other.PublicKey.Verify(Message, key.Sign(Message)), Is.False);
    }

    [Test]
    public void Ed25519_Rfc8032TestVector1()
    {
        // RFC 8032 section 7.1, TEST 1: empty message.
        using var key = Ed25519PrivateKey.FromBytes(Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
        Assert.That(Convert.ToHexStringLower(key.PublicKey.Raw.Span),
            Is.EqualTo("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"));
        Assert.That(Convert.ToHexStringLower(key.Sign([])), Is.EqualTo(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"));
    }

    [Test]
    public void Secp256k1_SignaturesAreLowSDer()
    {
        using var key = Secp256k1PrivateKey.Generate();
        for (var i = 0; i < 64; i++)
        {
            var signature = key.Sign(BitConverter.GetBytes(i));
            var (r, s) = ParseDer(signature);
            Assert.That(r.Sign, Is.EqualTo(1));
            Assert.That(s.Sign, Is.EqualTo(1));
            Assert.That(s, Is.LessThanOrEqualTo(Secp256k1Order / 2), $"signature {i} has a high S");
        }
    }

    [Test]
    public void Secp256k1_HighSSignaturesFromOtherImplementationsStillVerify()
    {
        using var key = Secp256k1PrivateKey.Generate();
        var (r, s) = ParseDer(key.Sign(Message));
        var highS = EncodeDer(r, Secp256k1Order - s);
        Assert.That(highS, Is.Not.EqualTo(key.Sign(Message)));
        Assert.That(key.PublicKey.Verify(Message, highS), Is.True);
    }

    [Test]
    public void Secp256k1_NonDerSignatureIsRejected()
    {
        using var key = Secp256k1PrivateKey.Generate();
        var (r, s) = ParseDer(key.Sign(Message));
        // The same r||s as 64 raw bytes (the compact form) is not what libp2p uses.
        var compact = ToFixed32(r).Concat(ToFixed32(s)).ToArray();
        Assert.That(key.PublicKey.Verify(Message, compact), Is.False);
    }

    [Test]
    public void Ed25519_PrivateKeyWithForeignPublicHalfIsRejected()
    {
        using var a = Ed25519PrivateKey.Generate();
        using var b = Ed25519PrivateKey.Generate();
        var mixed = a.ExportRaw()[..32].Concat(b.PublicKey.Raw.ToArray()).ToArray();
        Assert.That(() => Ed25519PrivateKey.FromBytes(mixed),
            Throws.TypeOf<FormatException>().With.Message.Contains("does not match"));
    }

    [Test]
    public void Ed25519_PrivateKeyFromSeedOrSeedAndPublicIsTheSameKey()
    {
        using var key = Ed25519PrivateKey.Generate();
        var raw = key.ExportRaw();
        Assert.That(raw, Has.Length.EqualTo(64));
        using var fromSeed = Ed25519PrivateKey.FromBytes(raw.AsSpan(0, 32));
        using var fromBoth = Ed25519PrivateKey.FromBytes(raw);
        Assert.That(fromSeed.PublicKey, Is.EqualTo(key.PublicKey));
        Assert.That(fromBoth.PublicKey, Is.EqualTo(key.PublicKey));
        Assert.That(fromSeed.PeerId, Is.EqualTo(key.PeerId));
    }

    [TestCase(0)]
    [TestCase(31)]
    [TestCase(33)]
    [TestCase(65)]
    public void Ed25519_PrivateKeyOfWrongLengthIsRejected(int length)
    {
        Assert.That(() => Ed25519PrivateKey.FromBytes(new byte[length]),
            Throws.TypeOf<FormatException>().With.Message.Contains("expected 32 or 64 bytes"));
    }

    [TestCase(31)]
    [TestCase(33)]
    public void Ed25519_PublicKeyOfWrongLengthIsRejected(int length)
    {
        Assert.That(() => Ed25519PublicKey.FromBytes(new byte[length]),
            Throws.TypeOf<FormatException>().With.Message.Contains("expected 32 bytes"));
    }

    [Test]
    public void Secp256k1_PrivateKeyOutOfRangeIsRejected()
    {
        Assert.That(() => Secp256k1PrivateKey.FromBytes(new byte[32]), Throws.TypeOf<FormatException>());
        Assert.That(() => Secp256k1PrivateKey.FromBytes(ToFixed32(Secp256k1Order)), Throws.TypeOf<FormatException>());
        Assert.That(() => Secp256k1PrivateKey.FromBytes(new byte[31]), Throws.TypeOf<FormatException>());
    }

    [Test]
    public void Secp256k1_PublicKeyNotOnTheCurveIsRejected()
    {
        var bogus = new byte[33];
        bogus[0] = 0x02;
        bogus[32] = 0x07; // x = 7: x^3 + 7 = 350 is not a square mod p
        Assert.That(() => Secp256k1PublicKey.FromBytes(bogus), Throws.TypeOf<FormatException>());
        Assert.That(() => Secp256k1PublicKey.FromBytes(new byte[33]), Throws.TypeOf<FormatException>());
    }

    [Test]
    public void Secp256k1_UncompressedPublicKeyIsReencodedCompressed()
    {
        // go-libp2p also re-serializes compressed, so the peer ID is the same whichever form arrived.
        using var key = Secp256k1PrivateKey.Generate();
        var compressed = key.PublicKey.Raw.ToArray();
        var uncompressed = NBitcoin.Secp256k1.ECPubKey.Create(compressed).ToBytes(compressed: false);
        var parsed = Secp256k1PublicKey.FromBytes(uncompressed);
        Assert.That(parsed.Raw.ToArray(), Is.EqualTo(compressed));
        Assert.That(parsed.ToPeerId(), Is.EqualTo(key.PeerId));
    }

    [TestCase(KeyType.Ed25519, "12D3KooW")]
    [TestCase(KeyType.Secp256k1, "16Uiu2")]
    public void GeneratedKeys_HaveTheUsualPeerIdPrefix(KeyType type, string prefix)
    {
        using var key = PrivateKey.Generate(type);
        Assert.That(key.PeerId.ToString(), Does.StartWith(prefix));
        Assert.That(key.PeerId.Matches(key.PublicKey), Is.True);
    }

    [TestCase(KeyType.Ed25519)]
    [TestCase(KeyType.Secp256k1)]
    public void PrivateKeyProtobufRoundTrips(KeyType type)
    {
        using var key = PrivateKey.Generate(type);
        using var copy = PrivateKey.FromProtobuf(key.ToProtobuf());
        Assert.That(copy.PublicKey, Is.EqualTo(key.PublicKey));
        Assert.That(copy.ToProtobuf(), Is.EqualTo(key.ToProtobuf()));
        Assert.That(key.PublicKey.Verify(Message, copy.Sign(Message)), Is.True);
    }

    private static (BigInteger R, BigInteger S) ParseDer(byte[] der)
    {
        // SEQUENCE { INTEGER r, INTEGER s }, strict short-form lengths and minimal integers.
        Assert.That(der[0], Is.EqualTo(0x30));
        Assert.That(der[1], Is.EqualTo(der.Length - 2));
        var offset = 2;
        var r = ReadInteger(der, ref offset);
        var s = ReadInteger(der, ref offset);
        Assert.That(offset, Is.EqualTo(der.Length));
        return (r, s);
    }

    private static BigInteger ReadInteger(byte[] der, ref int offset)
    {
        Assert.That(der[offset], Is.EqualTo(0x02));
        var length = der[offset + 1];
        var value = der.AsSpan(offset + 2, length);
        Assert.That(value[0] & 0x80, Is.Zero, "DER integers are positive");
        if (length > 1)
            Assert.That(value[0] != 0 || (value[1] & 0x80) != 0, Is.True, "DER integers are minimal");
        offset += 2 + length;
        return new BigInteger(value, isUnsigned: true, isBigEndian: true);
    }

    private static byte[] EncodeDer(BigInteger r, BigInteger s)
    {
        static byte[] Integer(BigInteger v)
        {
            var bytes = v.ToByteArray(isUnsigned: false, isBigEndian: true); // keeps a 0x00 when the top bit is set
            return [0x02, (byte)bytes.Length, .. bytes];
        }
        var body = Integer(r).Concat(Integer(s)).ToArray();
        return [0x30, (byte)body.Length, .. body];
    }

    private static byte[] ToFixed32(BigInteger value)
    {
        var bytes = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        var result = new byte[32];
        bytes.CopyTo(result.AsSpan(32 - bytes.Length));
        return result;
    }
}
