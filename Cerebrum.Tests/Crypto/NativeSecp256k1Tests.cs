using System.Security.Cryptography;
using Cerebrum.Core.Crypto;
using NBitcoin.Secp256k1;
using SHA256 = System.Security.Cryptography.SHA256;

namespace Cerebrum.Tests.Crypto;

/// <summary>
/// The native libsecp256k1 path against the managed NBitcoin.Secp256k1 one: same signatures byte for byte, each
/// verifying the other's, so the fallback changes speed and nothing else.
/// </summary>
[TestFixture]
public sealed class NativeSecp256k1Tests
{
    [Test]
    public void TheNativeLibraryLoadsOnThisPlatform()
    {
        // The package bundles natives for linux, windows and macOS: CI must exercise the fast path.
        Assert.That(NativeSecp256k1.IsAvailable, Is.True, NativeSecp256k1.UnavailableReason);
    }

    [Test]
    public void NativeSignatures_EqualManagedOnes_AndEachVerifiesTheOther()
    {
        for (var i = 0; i < 50; i++)
        {
            var scalar = RandomNumberGenerator.GetBytes(32);
            if (!ECPrivKey.TryCreate(scalar, Context.Instance, out var managed) || managed is null) continue;
            using var key = Secp256k1PrivateKey.FromBytes(scalar);
            var message = RandomNumberGenerator.GetBytes(i * 7);
            var hash = SHA256.HashData(message);

            var native = key.Sign(message);
            var managedSignature = managed.SignECDSARFC6979(hash);
            var buffer = new byte[72];
            managedSignature.WriteDerToSpan(buffer, out var length);
            var managedDer = buffer.AsSpan(0, length).ToArray();

            Assert.That(native, Is.EqualTo(managedDer), "RFC 6979 + low S: one signature per key and message");
            Assert.That(SecpECDSASignature.TryCreateFromDer(native, out var parsed), Is.True);
            Assert.That(managed.CreatePubKey().SigVerify(parsed!, hash), Is.True, "the managed verifier accepts the native signature");
            Assert.That(key.PublicKey.Verify(message, managedDer), Is.True, "the native verifier accepts the managed signature");
            Assert.That(key.PublicKey.Verify([.. message, 0], native), Is.False, "another message does not verify");
        }
    }

    [Test]
    public void ALaxDerSignature_StillVerifiesThroughTheManagedParser()
    {
        using var key = Secp256k1PrivateKey.Generate();
        var message = "lax"u8.ToArray();
        var der = key.Sign(message);
        // Re-encode R with a superfluous leading zero: not strict DER, which the native parser refuses.
        var rLength = der[3];
        var r = der.AsSpan(4, rLength).ToArray();
        var rest = der.AsSpan(4 + rLength).ToArray();
        byte[] lax = [0x30, (byte)(der[1] + 1), 0x02, (byte)(rLength + 1), 0x00, .. r, .. rest];

        Assert.That(NativeSecp256k1.VerifyDer(lax, SHA256.HashData(message), key.PublicKey.Raw.Span), Is.Null, "strict DER parsing refuses it");
        Assert.That(key.PublicKey.Verify(message, lax), Is.EqualTo(SecpECDSASignature.TryCreateFromDer(lax, out _)), "the managed parser decides");
    }

    [Test]
    public void AnEmptySignature_IsRefusedBeforeTheNativeLibrarySeesIt()
    {
        // Found by fuzzing: an empty span went to libsecp256k1 as a null pointer, tripping its illegal-argument callback
        // ("input != NULL" on stderr; the library's default callback aborts the process). A peer controls this input.
        using var key = Secp256k1PrivateKey.Generate();
        Assert.That(NativeSecp256k1.VerifyDer([], SHA256.HashData("m"u8), key.PublicKey.Raw.Span), Is.False);
        Assert.That(key.PublicKey.Verify("m"u8, []), Is.False);
    }
}
