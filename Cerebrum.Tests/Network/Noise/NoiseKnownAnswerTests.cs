using System.Buffers.Binary;
using System.Text;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Noise;

namespace Cerebrum.Tests.Network.Noise;

/// <summary>
/// Known-answer vectors for Noise_XX_25519_ChaChaPoly_SHA256 and the libp2p payload. The expected hex values were
/// produced once by a separate, independent JavaScript implementation of the Noise spec (rev 34) written for this
/// purpose (kept outside the repository) on top of @noble/curves (X25519, Ed25519), @noble/hashes (SHA-256, HMAC)
/// and @noble/ciphers (ChaCha20-Poly1305) 2.4.0. Keys: X25519 private keys are the byte sequences
/// 00..1f (initiator static), 20..3f (initiator ephemeral), 40..5f (responder static), 60..7f (responder ephemeral);
/// Ed25519 identity seeds are 80..9f (initiator) and a0..bf (responder).
/// </summary>
public sealed class NoiseKnownAnswerTests
{
    private const string InitiatorStaticPublic = "8f40c5adb68f25624ae5b214ea767a6ec94d829d3d7b5e1ad1ba6f3e2138285f";
    private const string ResponderStaticPublic = "79a631eede1bf9c98f12032cdeadd0e7a079398fc786b88cc846ec89af85a51a";

    private static FixedNoiseKeySource InitiatorKeys => new(FixedNoiseKeySource.Sequence(0x00), FixedNoiseKeySource.Sequence(0x20));

    private static FixedNoiseKeySource ResponderKeys => new(FixedNoiseKeySource.Sequence(0x40), FixedNoiseKeySource.Sequence(0x60));

    [Test]
    public void Fixed_private_keys_give_the_expected_x25519_public_keys()
    {
        using var initiatorStatic = InitiatorKeys.CreateStaticKey();
        using var initiatorEphemeral = InitiatorKeys.CreateEphemeralKey();
        using var responderStatic = ResponderKeys.CreateStaticKey();
        using var responderEphemeral = ResponderKeys.CreateEphemeralKey();
        Assert.Multiple(() =>
        {
            Assert.That(Hex(initiatorStatic.PublicKey.Span), Is.EqualTo(InitiatorStaticPublic));
            Assert.That(Hex(initiatorEphemeral.PublicKey.Span), Is.EqualTo("358072d6365880d1aeea329adf9121383851ed21a28e3b75e965d0d2cd166254"));
            Assert.That(Hex(responderStatic.PublicKey.Span), Is.EqualTo(ResponderStaticPublic));
            Assert.That(Hex(responderEphemeral.PublicKey.Span), Is.EqualTo("675dd574ed7789310b3d2e7681f3790b466c773b1521fecf36577958371ea52f"));
        });
    }

    [Test]
    public void Xx_handshake_with_payloads_matches_the_independent_vectors()
    {
        using var initiator = new NoiseHandshakeState(initiator: true, InitiatorKeys);
        using var responder = new NoiseHandshakeState(initiator: false, ResponderKeys);

        var m1 = initiator.WriteMessage("msg1 payload"u8);
        Assert.That(Hex(m1), Is.EqualTo("358072d6365880d1aeea329adf9121383851ed21a28e3b75e965d0d2cd1662546d736731207061796c6f6164"));
        Assert.That(responder.ReadMessage(m1), Is.EqualTo("msg1 payload"u8.ToArray()));

        var m2 = responder.WriteMessage("msg2 payload from responder"u8);
        Assert.That(Hex(m2), Is.EqualTo(
            "675dd574ed7789310b3d2e7681f3790b466c773b1521fecf36577958371ea52f7e1866de56d6c9b805d589b5e65bd14858f21fba6e576ce6"
            + "4993fbf55eb004571083cfe18e5bf30cc6a50981b568b15b1d40d20948c6d73dfe94064f2a5d96c514e34f8d9e669a0bb7df65db1b6f1732f7"
            + "05beed1cbb63435baaf8"));
        Assert.That(initiator.ReadMessage(m2), Is.EqualTo("msg2 payload from responder"u8.ToArray()));

        var m3 = initiator.WriteMessage("msg3 payload from initiator"u8);
        Assert.That(Hex(m3), Is.EqualTo(
            "1dc00df062a51249321a8f8349c312567dc00ed837b5fc3fa4c72162d39a4973f4d40144a10d5707b496cde845c11fa7abb742f05634b42fa0"
            + "9ea8a35fa8fcea936bae4858c15705840753cd5f005e0183fdc09cedcb235c3bd736"));
        Assert.That(responder.ReadMessage(m3), Is.EqualTo("msg3 payload from initiator"u8.ToArray()));

        const string handshakeHash = "ef4571f1edb1492ead257a6ab5065812d2fbe4ddc7aa874e2b5c98a89dd505e7";
        Assert.Multiple(() =>
        {
            Assert.That(initiator.IsComplete && responder.IsComplete, Is.True);
            Assert.That(Hex(initiator.HandshakeHash), Is.EqualTo(handshakeHash));
            Assert.That(Hex(responder.HandshakeHash), Is.EqualTo(handshakeHash));
            Assert.That(Hex(initiator.RemoteStaticPublicKey!.Value.Span), Is.EqualTo(ResponderStaticPublic));
            Assert.That(Hex(responder.RemoteStaticPublicKey!.Value.Span), Is.EqualTo(InitiatorStaticPublic));
        });

        var (initiatorSend, initiatorReceive) = initiator.Split();
        var (responderSend, responderReceive) = responder.Split();
        using (initiatorSend)
        using (initiatorReceive)
        using (responderSend)
        using (responderReceive)
        {
            // Two messages on one key pin the little-endian counter in the nonce (n = 0, then 1).
            var first = Encrypt(initiatorSend, "transport i->r"u8);
            var second = Encrypt(initiatorSend, "transport i->r"u8);
            var reply = Encrypt(responderSend, "transport r->i"u8);
            Assert.Multiple(() =>
            {
                Assert.That(Hex(first), Is.EqualTo("eac29d4c694f592f0a2f376408ca3922d1bcc4411659adaf0e1f1b3a1427"));
                Assert.That(Hex(second), Is.EqualTo("967b97e87ea6d976ec15686256d8610dba554b2ba135f2f18635b0cbb805"));
                Assert.That(Hex(reply), Is.EqualTo("4fe3b33cd6076141c607b6d78530e9798e563f46c04d17e02a8bd208eb17"));
                Assert.That(Decrypt(responderReceive, first), Is.EqualTo("transport i->r"u8.ToArray()));
                Assert.That(Decrypt(responderReceive, second), Is.EqualTo("transport i->r"u8.ToArray()));
                Assert.That(Decrypt(initiatorReceive, reply), Is.EqualTo("transport r->i"u8.ToArray()));
            });
        }
    }

    [Test]
    public async Task Libp2p_handshake_with_ed25519_identities_puts_the_independent_vector_bytes_on_the_wire()
    {
        using var initiatorIdentity = Ed25519PrivateKey.FromBytes(FixedNoiseKeySource.Sequence(0x80));
        using var responderIdentity = Ed25519PrivateKey.FromBytes(FixedNoiseKeySource.Sequence(0xa0));
        Assert.That(Hex(initiatorIdentity.PublicKey.Raw.Span), Is.EqualTo("cd14b37f956e953194ff7fb73b3d81dcc561d61a7538094b7c3e1a643ee5f3aa"));
        Assert.That(Hex(responderIdentity.PublicKey.Raw.Span), Is.EqualTo("4fd099ccd47d7893dfe9ec24414ecb0d9b5420232aad30d91c465be33cbe65c4"));

        var (a, b) = NoiseTestPipes.CreatePair();
        using var initiatorWire = new InterceptingStream(a);
        using var responderWire = new InterceptingStream(b);
        var outbound = NoiseSecurity.SecureOutboundAsync(initiatorWire, initiatorIdentity, responderIdentity.PeerId,
            new NoiseHandshakeOptions { KeySource = InitiatorKeys }, CancellationToken.None);
        var inbound = NoiseSecurity.SecureInboundAsync(responderWire, responderIdentity,
            new NoiseHandshakeOptions { KeySource = ResponderKeys }, CancellationToken.None);
        using var initiator = await outbound.Bounded();
        using var responder = await inbound.Bounded();

        // Message 1 carries no payload; messages 2 and 3 carry NoiseHandshakePayload{identity_key, identity_sig}.
        const string m1 = "358072d6365880d1aeea329adf9121383851ed21a28e3b75e965d0d2cd166254";
        const string m2 =
            "675dd574ed7789310b3d2e7681f3790b466c773b1521fecf36577958371ea52f7e1866de56d6c9b805d589b5e65bd14858f21fba6e576ce6"
            + "4993fbf55eb004577dcce74471e01d23b0d7e3adb038b98a7a17bd3a7a96f9940b37b35672a83b4395e77ca6261b6e31f3993d84d23f3a"
            + "45c23f605c140a1d49e2cd0c9fb1051179878e008f39dd1524a3e503aa60d801f961b0809cd3b4b30865a03abc37fe5fdee775a5448dbf"
            + "a13e9d68ff3de343cd060f02b1ea6c6854bb58a71cadccb8447e3b242f2c58ea991e";
        const string m3 =
            "1dc00df062a51249321a8f8349c312567dc00ed837b5fc3fa4c72162d39a49739acf0e52850c0c39cff2d131b0c87ae6cce02dc264641842"
            + "7f8e5ca9eaff1a7a81fcfc1bb069fb052672547d722ea54bb9d1f8a80e701f9da70e7e316f4c440d74fa1cfe1d0ae450ba4035bf48246f"
            + "2d692a09c725050033eff510fcdc8cc02f3d4375d25f3c47424b4cabc24cf085286e3ea0a687f52f14f1a28f77a85df0e9743c375d012e"
            + "d621";
        Assert.Multiple(() =>
        {
            Assert.That(Hex(initiatorWire.Written), Is.EqualTo(Frame(m1) + Frame(m3)));
            Assert.That(Hex(responderWire.Written), Is.EqualTo(Frame(m2)));
            Assert.That(initiator.RemotePeer, Is.EqualTo(responderIdentity.PeerId));
            Assert.That(responder.RemotePeer, Is.EqualTo(initiatorIdentity.PeerId));
        });

        await initiator.WriteAsync("hello"u8.ToArray()).Bounded();
        await responder.WriteAsync("world"u8.ToArray()).Bounded();
        var buffer = new byte[16];
        Assert.That(Encoding.UTF8.GetString(buffer, 0, await responder.ReadAsync(buffer).Bounded()), Is.EqualTo("hello"));
        Assert.That(Encoding.UTF8.GetString(buffer, 0, await initiator.ReadAsync(buffer).Bounded()), Is.EqualTo("world"));
        Assert.Multiple(() =>
        {
            Assert.That(Hex(initiatorWire.Written), Is.EqualTo(Frame(m1) + Frame(m3) + Frame("f6d5904e75bfcf08a979fbf5b43c258cfa459d4b7e")));
            Assert.That(Hex(responderWire.Written), Is.EqualTo(Frame(m2) + Frame("4cfea03ec1707635fa39f4864f86b99079e5a4b0bc")));
        });
    }

    [Test]
    public void Cipher_nonce_is_four_zero_bytes_then_the_little_endian_counter()
    {
        // Counter 0x0807060504030201 gives nonce 00000000 0102030405060708; expected value from the same JS implementation.
        using var cipher = new CipherState();
        cipher.InitializeKey(FixedNoiseKeySource.Sequence(0x80));
        cipher.Nonce = 0x0807060504030201;
        var output = new byte["nonce layout"u8.Length + CipherState.TagLength];
        cipher.EncryptWithAd("ad"u8, "nonce layout"u8, output);
        Assert.That(Hex(output), Is.EqualTo("8fd67a9b72c51b9926f616c85b3208711c8b8592920e5610d60d8977"));
        Assert.That(cipher.Nonce, Is.EqualTo(0x0807060504030202UL));
    }

    [Test]
    public void Hkdf_with_zero_chaining_key_equals_rfc5869_test_case_3()
    {
        // HMAC zero-pads its key to the block size, so Noise's 32 zero-byte chaining key behaves as RFC 5869's empty
        // salt; info is empty in both. Test case 3 OKM (42 bytes) = first 42 bytes of output1 || output2.
        var output1 = new byte[32];
        var output2 = new byte[32];
        NoiseHkdf.Derive(new byte[32], Enumerable.Repeat((byte)0x0b, 22).ToArray(), output1, output2);
        Assert.That(Hex([.. output1, .. output2.AsSpan(0, 10)]),
            Is.EqualTo("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"));
    }

    [Test]
    public void Hkdf_matches_the_noise_spec_hmac_construction()
    {
        // Vector from the JS implementation, ck = SHA256("ck"), ikm = SHA256("ikm").
        var output1 = new byte[32];
        var output2 = new byte[32];
        NoiseHkdf.Derive(
            Convert.FromHexString("d93beca6efd0421b314c081066064ac0e371b306f715cc0935b2879e249ba9df"),
            Convert.FromHexString("ab66b1dbd93be1dbc759b3c25ce0c11d95e75620ec424e7a6dcbb3e4accfcd82"),
            output1, output2);
        Assert.That(Hex(output1), Is.EqualTo("f970fcc22b1779bac08e1041919d9697180b824b8156d1ac7db7f11e0415702b"));
        Assert.That(Hex(output2), Is.EqualTo("270c2d7855321faa2e59c16cfd6d86b52a3e43c9d50c7195e46ddc83792f6df4"));
    }

    [TestCase(1)]
    [TestCase(32)]
    [TestCase(100)]
    public void Hkdf_equals_rfc5869_hkdf_with_the_chaining_key_as_salt(int ikmLength)
    {
        // Cross-check against the platform's RFC 5869 implementation (which cannot take the empty IKM of Split).
        var random = new Random(ikmLength);
        var ck = new byte[32];
        var ikm = new byte[ikmLength];
        random.NextBytes(ck);
        random.NextBytes(ikm);
        var expected = System.Security.Cryptography.HKDF.DeriveKey(System.Security.Cryptography.HashAlgorithmName.SHA256, ikm, 64, ck, []);

        var output1 = new byte[32];
        var output2 = new byte[32];
        NoiseHkdf.Derive(ck, ikm, output1, output2);
        Assert.That(output1, Is.EqualTo(expected[..32]));
        Assert.That(output2, Is.EqualTo(expected[32..]));
    }

    [Test]
    public void Hkdf_output1_may_overwrite_the_chaining_key_in_place()
    {
        var ck = FixedNoiseKeySource.Sequence(0x10);
        var expected1 = new byte[32];
        var expected2 = new byte[32];
        NoiseHkdf.Derive(ck, "ikm"u8, expected1, expected2);
        var output2 = new byte[32];
        NoiseHkdf.Derive(ck, "ikm"u8, ck, output2);
        Assert.That(ck, Is.EqualTo(expected1));
        Assert.That(output2, Is.EqualTo(expected2));
    }

    private static byte[] Encrypt(CipherState cipher, ReadOnlySpan<byte> plaintext)
    {
        var output = new byte[plaintext.Length + CipherState.TagLength];
        cipher.EncryptWithAd(ReadOnlySpan<byte>.Empty, plaintext, output);
        return output;
    }

    private static byte[] Decrypt(CipherState cipher, byte[] ciphertext)
    {
        var output = new byte[ciphertext.Length - CipherState.TagLength];
        cipher.DecryptWithAd(ReadOnlySpan<byte>.Empty, ciphertext, output);
        return output;
    }

    private static string Frame(string messageHex)
    {
        Span<byte> prefix = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(prefix, (ushort)(messageHex.Length / 2));
        return Hex(prefix) + messageHex;
    }

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}
