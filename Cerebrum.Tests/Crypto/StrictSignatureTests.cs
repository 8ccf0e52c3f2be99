using System.Security.Cryptography;
using Cerebrum.Core.Crypto;
using Cerebrum.Tests.TestSupport;
using NBitcoin.Secp256k1;

namespace Cerebrum.Tests.Crypto;

/// <summary>
/// Issue 13 item 8: the signatures the ledger and consensus accept have one encoding, strict DER with a low S, so that
/// no one but the signer can produce another valid signature of the same message.
/// </summary>
[TestFixture]
public sealed class StrictSignatureTests
{
    [Test]
    public void OurSignaturesAreStrictAndLowS_TheirMalleatedFormsVerifyLaxlyButNeverStrictly()
    {
        for (var i = 0; i < 64; i++)
        {
            using var key = Secp256k1PrivateKey.Generate();
            var message = RandomNumberGenerator.GetBytes(40);
            var signature = key.Sign(message);
            Assert.That(EcdsaSignatureEncoding.IsStrictLowS(signature), Is.True);
            Assert.That(key.PublicKey.VerifyStrict(message, signature), Is.True);

            var highS = SignatureMalleability.HighS(signature);
            Assert.That(key.PublicKey.Verify(message, highS), Is.True, "the network's lax check still takes a high S (other libp2p peers)");
            Assert.That(key.PublicKey.VerifyStrict(message, highS), Is.False, "the ledger's does not");
            var padded = SignatureMalleability.PaddedR(signature);
            Assert.That(key.PublicKey.VerifyStrict(message, padded), Is.False);
            Assert.That(key.PublicKey.VerifyStrict(message, [.. signature, 0x00]), Is.False, "a byte after the DER sequence");
        }
    }

    [TestCase("", false)]
    [TestCase("3006020101020101", true)]
    [TestCase("3006020100020101", false, Description = "r = 0")]
    [TestCase("300602010102018f", false, Description = "s negative")]
    [TestCase("30070201010202007f", false, Description = "s with a needless zero")]
    [TestCase("3007020101020101", false, Description = "sequence length too long")]
    [TestCase("3106020101020101", false, Description = "not a sequence")]
    [TestCase("3006030101020101", false, Description = "r not an integer")]
    [TestCase("30250201010220" + "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0", true, Description = "s = n/2")]
    [TestCase("30250201010220" + "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A1", false, Description = "s = n/2 + 1")]
    public void IsStrictLowS_FollowsBip66AndBip62(string hex, bool expected) =>
        Assert.That(EcdsaSignatureEncoding.IsStrictLowS(Convert.FromHexString(hex)), Is.EqualTo(expected));

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void IsStrictLowS_NeverThrows_AndWhatItAcceptsIsTheOneEncodingOfItsValues(int seed)
    {
        using var key = Secp256k1PrivateKey.Generate();
        byte[][] valid = [key.Sign("a"u8), key.Sign("b"u8), SignatureMalleability.HighS(key.Sign("c"u8))];
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(2000); i++)
        {
            var input = mutator.Next(valid, 80);
            var strict = false;
            Fuzz.CheckBounded("EcdsaSignatureEncoding.IsStrictLowS", seed, input, () => strict = EcdsaSignatureEncoding.IsStrictLowS(input));
            if (!strict) continue;
            var context = $"seed {seed}: 0x{Convert.ToHexStringLower(input)}";
            Assert.That(SecpECDSASignature.TryCreateFromDer(input, out var parsed), Is.True, context);
            var buffer = new byte[80];
            parsed!.WriteDerToSpan(buffer, out var length);
            Assert.That(buffer.AsSpan(0, length).ToArray(), Is.EqualTo(input), $"{context}: re-encoding gives the same bytes");
            Assert.That(parsed.TryNormalize(out _), Is.False, $"{context}: S is low (normalizing changes nothing)");
        }
    }
}
