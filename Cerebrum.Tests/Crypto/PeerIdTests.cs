using Cerebrum.Core.Crypto;
using Cerebrum.Core.Multiformats;

namespace Cerebrum.Tests.Crypto;

public class PeerIdTests
{
    // Examples from the libp2p peer-ids spec ("String representation"): the Qm… and bafz… strings are the same
    // sha256 peer ID in its two text forms.
    private const string Sha256Base58 = "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N";
    private const string Sha256Cid = "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe";
    private const string Ed25519Base58 = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";

    [Test]
    public void CidAndBase58FormsParseToTheSamePeerId()
    {
        var fromBase58 = PeerId.Parse(Sha256Base58);
        var fromCid = PeerId.Parse(Sha256Cid);
        Assert.That(fromCid, Is.EqualTo(fromBase58));
        Assert.That(fromCid.GetHashCode(), Is.EqualTo(fromBase58.GetHashCode()));
        Assert.That(fromCid == fromBase58, Is.True);
        Assert.That(fromCid.ToString(), Is.EqualTo(Sha256Base58));
        Assert.That(fromBase58.ToCidString(), Is.EqualTo(Sha256Cid));
    }

    [Test]
    public void UpperCaseCidIsAccepted()
    {
        Assert.That(PeerId.Parse(Sha256Cid.ToUpperInvariant()), Is.EqualTo(PeerId.Parse(Sha256Base58)));
    }

    [Test]
    public void Sha256PeerIdHasNoInlinedKey()
    {
        var id = PeerId.Parse(Sha256Base58);
        Assert.That(id.Bytes.Span[0], Is.EqualTo((byte)Multihash.Sha2_256));
        Assert.That(id.TryGetPublicKey(), Is.Null);
    }

    [Test]
    public void Ed25519SpecExampleInlinesItsKey()
    {
        var id = PeerId.Parse(Ed25519Base58);
        Assert.That(id.Bytes.Span[0], Is.EqualTo((byte)Multihash.Identity));
        var key = id.TryGetPublicKey();
        Assert.That(key, Is.TypeOf<Ed25519PublicKey>());
        Assert.That(key!.ToPeerId(), Is.EqualTo(id));
        Assert.That(id.ToString(), Is.EqualTo(Ed25519Base58));
        Assert.That(PeerId.Parse(id.ToCidString()), Is.EqualTo(id));
    }

    [Test]
    public void LargeKeysAreHashedWithSha256()
    {
        // Over 42 bytes of protobuf the spec switches to sha2-256; the derivation must agree with FromBytes.
        var big = Multihash.Sha256(new byte[100]);
        var id = PeerId.FromBytes(big);
        Assert.That(id.ToString(), Does.StartWith("Qm"));
        Assert.That(id.Bytes.ToArray(), Is.EqualTo(big));
    }

    [Test]
    public void MatchesRejectsOtherKeys()
    {
        using var a = PrivateKey.Generate(KeyType.Ed25519);
        using var b = PrivateKey.Generate(KeyType.Ed25519);
        Assert.That(a.PeerId.Matches(a.PublicKey), Is.True);
        Assert.That(a.PeerId.Matches(b.PublicKey), Is.False);
        Assert.That(a.PeerId, Is.Not.EqualTo(b.PeerId));
        Assert.That(a.PeerId != b.PeerId, Is.True);
    }

    [TestCase(null, "empty peer ID")]
    [TestCase("", "empty peer ID")]
    [TestCase("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5S0", "invalid base58 character '0'")]
    [TestCase("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5", "does not match its declared length")]
    [TestCase("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5NN", "does not match its declared length")]
    [TestCase("xyz", "expected base58btc text or a base32 CIDv1")]
    [TestCase("zQmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N", "expected base58btc text or a base32 CIDv1")]
    [TestCase("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqx1", "invalid base32 character '1'")]
    [TestCase("b", "truncated varint")]
    [TestCase("bafkreie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe", "is not libp2p-key")]
    public void InvalidPeerIdsAreRejectedWithAReason(string? text, string expected)
    {
        Assert.That(PeerId.TryParse(text, out _, out var error), Is.False);
        Assert.That(error, Does.Contain(expected));
        Assert.That(() => PeerId.Parse(text!), Throws.TypeOf<FormatException>().With.Message.Contains(expected));
    }

    [Test]
    public void CidVersionOtherThanOneIsRejected()
    {
        // Version 2, libp2p-key codec, then a valid multihash.
        var text = "b" + Base32.Encode([0x02, 0x72, .. PeerId.Parse(Sha256Base58).Bytes.Span]);
        Assert.That(PeerId.TryParse(text, out _, out var error), Is.False);
        Assert.That(error, Does.Contain("CID version 2 is not 1"));
    }

    [Test]
    public void UnsupportedMultihashIsRejected()
    {
        // sha1 (0x11) with a 20-byte digest.
        var bytes = new byte[22];
        bytes[0] = 0x11;
        bytes[1] = 20;
        Assert.That(() => PeerId.FromBytes(bytes), Throws.TypeOf<FormatException>().With.Message.Contains("unsupported multihash code 0x11"));
        // Base58 text of it does not start with '1' or 'Q', so go through the CID form to reach the check.
        Assert.That(PeerId.TryParse("b" + Base32.Encode([0x01, 0x72, .. bytes]), out _, out var error), Is.False);
        Assert.That(error, Does.Contain("unsupported multihash code 0x11"));
    }

    [Test]
    public void FromBytesCopiesItsInput()
    {
        var bytes = PeerId.Parse(Sha256Base58).Bytes.ToArray();
        var id = PeerId.FromBytes(bytes);
        bytes[5] ^= 0xff;
        Assert.That(id.ToString(), Is.EqualTo(Sha256Base58));
    }
}
