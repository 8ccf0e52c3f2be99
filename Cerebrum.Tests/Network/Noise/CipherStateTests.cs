using System.Security.Cryptography;
using Cerebrum.Core.Network.Noise;

namespace Cerebrum.Tests.Network.Noise;

public sealed class CipherStateTests
{
    [Test]
    public void In_place_encryption_and_decryption_match_separate_buffers()
    {
        using var a = Keyed();
        using var b = Keyed();
        var plaintext = new byte[1000];
        new Random(1).NextBytes(plaintext);

        var separate = new byte[plaintext.Length + CipherState.TagLength];
        a.EncryptWithAd("ad"u8, plaintext, separate);
        var inPlace = new byte[plaintext.Length + CipherState.TagLength];
        plaintext.CopyTo(inPlace, 0);
        b.EncryptWithAd("ad"u8, inPlace.AsSpan(0, plaintext.Length), inPlace);
        Assert.That(inPlace, Is.EqualTo(separate));

        using var receiver = Keyed();
        var decrypted = receiver.DecryptWithAd("ad"u8, inPlace, inPlace);
        Assert.That(inPlace[..decrypted], Is.EqualTo(plaintext));
    }

    [Test]
    public void Forged_ciphertext_throws_and_leaves_the_nonce_unchanged()
    {
        using var sender = Keyed();
        using var receiver = Keyed();
        var ciphertext = new byte[10 + CipherState.TagLength];
        sender.EncryptWithAd([], "0123456789"u8, ciphertext);
        var forged = (byte[])ciphertext.Clone();
        forged[3] ^= 0x80;
        var output = new byte[10];

        Assert.Throws(Is.InstanceOf<CryptographicException>(), () => receiver.DecryptWithAd([], forged, output));
        Assert.That(receiver.Nonce, Is.Zero);
        // Wrong associated data is a forgery too.
        Assert.Throws(Is.InstanceOf<CryptographicException>(), () => receiver.DecryptWithAd("x"u8, ciphertext, output));
        Assert.That(receiver.DecryptWithAd([], ciphertext, output), Is.EqualTo(10));
        Assert.That(output, Is.EqualTo("0123456789"u8.ToArray()));
        Assert.That(receiver.Nonce, Is.EqualTo(1));
    }

    [Test]
    public void Nonce_2_pow_64_minus_1_is_reserved_so_the_cipher_refuses_to_use_it()
    {
        using var cipher = Keyed();
        cipher.Nonce = ulong.MaxValue - 1;
        var output = new byte[1 + CipherState.TagLength];
        cipher.EncryptWithAd([], [42], output);
        Assert.That(cipher.Nonce, Is.EqualTo(ulong.MaxValue));
        var error = Assert.Throws<NoiseTransportException>(() => cipher.EncryptWithAd([], [42], output));
        Assert.That(error!.Message, Does.Contain("nonce exhausted"));
        Assert.Throws<NoiseTransportException>(() => cipher.DecryptWithAd([], output, new byte[1]));
    }

    [Test]
    public void Without_a_key_data_passes_through_unencrypted()
    {
        using var cipher = new CipherState();
        var output = new byte[5];
        Assert.That(cipher.HasKey, Is.False);
        Assert.That(cipher.EncryptWithAd("ad"u8, "plain"u8, output), Is.EqualTo(5));
        Assert.That(output, Is.EqualTo("plain"u8.ToArray()));
        Assert.That(cipher.Nonce, Is.Zero);
    }

    private static CipherState Keyed()
    {
        var cipher = new CipherState();
        cipher.InitializeKey(FixedNoiseKeySource.Sequence(7));
        return cipher;
    }
}
