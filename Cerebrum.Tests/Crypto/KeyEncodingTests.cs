using Cerebrum.Core.Crypto;

namespace Cerebrum.Tests.Crypto;

public class KeyEncodingTests
{
    [Test]
    public void Encode_IsTypeThenLengthDelimitedData()
    {
        Assert.That(KeyEncoding.Encode(KeyType.Secp256k1, [0xaa, 0xbb]), Is.EqualTo(new byte[] { 0x08, 0x02, 0x12, 0x02, 0xaa, 0xbb }));
    }

    [Test]
    public void Encode_UsesAMultiByteLengthForLongData()
    {
        var encoded = KeyEncoding.Encode(KeyType.Rsa, new byte[300]);
        Assert.That(encoded[..5], Is.EqualTo(new byte[] { 0x08, 0x00, 0x12, 0xac, 0x02 }));
        Assert.That(encoded, Has.Length.EqualTo(305));
    }

    [Test]
    public void Decode_ReadsFieldsBack()
    {
        var type = KeyEncoding.Decode([0x08, 0x01, 0x12, 0x03, 1, 2, 3], out var data);
        Assert.That(type, Is.EqualTo(KeyType.Ed25519));
        Assert.That(data.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [TestCase("0801", "lacks its Type or Data field")]
    [TestCase("120101", "lacks its Type or Data field")]
    [TestCase("", "lacks its Type or Data field")]
    [TestCase("080412020102", "unknown key type 4")]
    [TestCase("0801120501", "truncated")]
    [TestCase("08011201011a00", "unexpected field tag 0x1a")]
    [TestCase("0801128080", "truncated varint")]
    public void Decode_RejectsMalformedInput(string hex, string expected)
    {
        Assert.That(() => KeyEncoding.Decode(Convert.FromHexString(hex), out _),
            Throws.TypeOf<FormatException>().With.Message.Contains(expected));
    }

    [Test]
    public void PublicKeyFromProtobuf_RejectsBadKeyBytes()
    {
        Assert.That(() => PublicKey.FromProtobuf([0x08, 0x01, 0x12, 0x02, 0x01, 0x02]),
            Throws.TypeOf<FormatException>().With.Message.Contains("Ed25519"));
        Assert.That(() => PublicKey.FromProtobuf([0x08, 0x02, 0x12, 0x02, 0x01, 0x02]),
            Throws.TypeOf<FormatException>().With.Message.Contains("secp256k1"));
    }
}
