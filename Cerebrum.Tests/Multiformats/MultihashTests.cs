using Cerebrum.Core.Multiformats;

namespace Cerebrum.Tests.Multiformats;

public class MultihashTests
{
    [Test]
    public void Sha256_OfEmptyInput()
    {
        Assert.That(Convert.ToHexStringLower(Multihash.Sha256([])),
            Is.EqualTo("1220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    }

    [Test]
    public void IdentityOf_PrefixesCodeAndLength()
    {
        Assert.That(Multihash.IdentityOf([1, 2, 3]), Is.EqualTo(new byte[] { 0x00, 0x03, 1, 2, 3 }));
        var long200 = Multihash.IdentityOf(new byte[200]);
        Assert.That(long200[..3], Is.EqualTo(new byte[] { 0x00, 0xc8, 0x01 }));
        Assert.That(long200, Has.Length.EqualTo(203));
    }

    [Test]
    public void Decode_SplitsCodeAndDigest()
    {
        var (code, digest) = Multihash.Decode(Multihash.Sha256("abc"u8));
        Assert.That(code, Is.EqualTo(Multihash.Sha2_256));
        Assert.That(Convert.ToHexStringLower(digest.Span), Is.EqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));

        var (identityCode, identityDigest) = Multihash.Decode(Multihash.IdentityOf([9, 8]));
        Assert.That(identityCode, Is.EqualTo(Multihash.Identity));
        Assert.That(identityDigest.ToArray(), Is.EqualTo(new byte[] { 9, 8 }));
    }

    [TestCase("0003aabb", "digest length 2 does not match its declared length 3")]
    [TestCase("0001aabb", "digest length 2 does not match its declared length 1")]
    [TestCase("1202aabb", "sha2-256 multihash must have a 32-byte digest")]
    [TestCase("", "truncated")]
    [TestCase("12", "truncated")]
    public void Decode_RejectsMalformedMultihashes(string hex, string expected)
    {
        Assert.That(() => Multihash.Decode(Convert.FromHexString(hex)),
            Throws.TypeOf<FormatException>().With.Message.Contains(expected));
    }
}
