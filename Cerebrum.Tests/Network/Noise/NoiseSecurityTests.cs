using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Noise;

namespace Cerebrum.Tests.Network.Noise;

/// <summary>The libp2p handshake over in-memory pipes: identities, expected peers and hostile payloads.</summary>
public sealed class NoiseSecurityTests
{
    [TestCase(KeyType.Secp256k1, KeyType.Ed25519)]
    [TestCase(KeyType.Ed25519, KeyType.Secp256k1)]
    [TestCase(KeyType.Secp256k1, KeyType.Secp256k1)]
    [TestCase(KeyType.Ed25519, KeyType.Ed25519)]
    public async Task Handshake_authenticates_both_identities(KeyType initiatorType, KeyType responderType)
    {
        using var initiatorKey = PrivateKey.Generate(initiatorType);
        using var responderKey = PrivateKey.Generate(responderType);
        var (a, b) = NoiseTestPipes.CreatePair();
        var outbound = NoiseSecurity.SecureOutboundAsync(a, initiatorKey, responderKey.PeerId, CancellationToken.None);
        var inbound = NoiseSecurity.SecureInboundAsync(b, responderKey, CancellationToken.None);
        using var initiator = await outbound.Bounded();
        using var responder = await inbound.Bounded();

        Assert.Multiple(() =>
        {
            Assert.That(initiator.RemotePeer, Is.EqualTo(responderKey.PeerId));
            Assert.That(initiator.RemotePublicKey, Is.EqualTo(responderKey.PublicKey));
            Assert.That(responder.RemotePeer, Is.EqualTo(initiatorKey.PeerId));
            Assert.That(responder.RemotePublicKey, Is.EqualTo(initiatorKey.PublicKey));
            Assert.That(initiator.RemoteExtensions, Is.Null);
        });

        await initiator.WriteAsync("ping"u8.ToArray()).Bounded();
        await responder.WriteAsync("pong"u8.ToArray()).Bounded();
        var buffer = new byte[8];
        Assert.That(buffer[..await responder.ReadAsync(buffer).Bounded()], Is.EqualTo("ping"u8.ToArray()));
        Assert.That(buffer[..await initiator.ReadAsync(buffer).Bounded()], Is.EqualTo("pong"u8.ToArray()));
    }

    [Test]
    public async Task Handshake_without_expected_peer_accepts_any_authenticated_responder()
    {
        using var initiatorKey = PrivateKey.Generate(KeyType.Ed25519);
        using var responderKey = PrivateKey.Generate(KeyType.Secp256k1);
        var (a, b) = NoiseTestPipes.CreatePair();
        var outbound = NoiseSecurity.SecureOutboundAsync(a, initiatorKey, null, CancellationToken.None);
        using var responder = await NoiseSecurity.SecureInboundAsync(b, responderKey, CancellationToken.None).Bounded();
        using var initiator = await outbound.Bounded();
        Assert.That(initiator.RemotePeer, Is.EqualTo(responderKey.PeerId));
    }

    [Test]
    public async Task Stream_muxers_are_delivered_as_authenticated_early_data()
    {
        using var initiatorKey = PrivateKey.Generate(KeyType.Ed25519);
        using var responderKey = PrivateKey.Generate(KeyType.Ed25519);
        var (a, b) = NoiseTestPipes.CreatePair();
        var outbound = NoiseSecurity.SecureOutboundAsync(a, initiatorKey, responderKey.PeerId,
            new NoiseHandshakeOptions { StreamMuxers = ["/yamux/1.0.0"] }, CancellationToken.None);
        var inbound = NoiseSecurity.SecureInboundAsync(b, responderKey,
            new NoiseHandshakeOptions { StreamMuxers = ["/yamux/1.0.0", "/mplex/6.7.0"] }, CancellationToken.None);
        using var initiator = await outbound.Bounded();
        using var responder = await inbound.Bounded();
        Assert.That(initiator.RemoteExtensions?.StreamMuxers, Is.EqualTo(new[] { "/yamux/1.0.0", "/mplex/6.7.0" }));
        Assert.That(responder.RemoteExtensions?.StreamMuxers, Is.EqualTo(new[] { "/yamux/1.0.0" }));
    }

    [Test]
    public async Task Expected_peer_mismatch_fails_the_initiator_before_it_reveals_its_identity()
    {
        using var initiatorKey = PrivateKey.Generate(KeyType.Secp256k1);
        using var responderKey = PrivateKey.Generate(KeyType.Ed25519);
        using var someoneElse = PrivateKey.Generate(KeyType.Ed25519);
        var (a, b) = NoiseTestPipes.CreatePair();
        using var wire = new InterceptingStream(a);
        var outbound = NoiseSecurity.SecureOutboundAsync(wire, initiatorKey, someoneElse.PeerId, CancellationToken.None);
        var inbound = NoiseSecurity.SecureInboundAsync(b, responderKey, CancellationToken.None);

        var error = Assert.ThrowsAsync<PeerIdMismatchException>(async () => await outbound.Bounded());
        Assert.That(error!.Expected, Is.EqualTo(someoneElse.PeerId));
        Assert.That(error.Actual, Is.EqualTo(responderKey.PeerId));
        Assert.That(error.Message, Does.Contain(someoneElse.PeerId.ToString()).And.Contain(responderKey.PeerId.ToString()));
        // Only message 1 (2 + 32 bytes) went out: message 3 with the initiator's identity was never sent.
        Assert.That(wire.Written, Has.Length.EqualTo(34));

        wire.Dispose(); // what the Host does with a failed connection
        var responderError = Assert.ThrowsAsync<NoiseHandshakeException>(async () => await inbound.Bounded());
        Assert.That(responderError!.Message, Does.Contain("message 3"));
    }

    [Test]
    public async Task Responder_signing_with_a_key_other_than_its_identity_key_is_rejected()
    {
        using var initiatorKey = PrivateKey.Generate(KeyType.Ed25519);
        using var claimed = PrivateKey.Generate(KeyType.Ed25519);
        using var signer = PrivateKey.Generate(KeyType.Ed25519);
        var error = await InitiatorErrorAgainst(initiatorKey, s => NoiseWire.Payload(claimed.PublicKey.ToProtobuf(), signer.Sign(NoiseWire.SignedData(s.Span))));
        Assert.That(error, Is.TypeOf<NoiseHandshakeException>());
        Assert.That(error.Message, Does.Contain("signature does not verify"));
    }

    [Test]
    public async Task Signature_over_a_different_noise_static_key_is_rejected()
    {
        using var initiatorKey = PrivateKey.Generate(KeyType.Secp256k1);
        using var responderKey = PrivateKey.Generate(KeyType.Secp256k1);
        var otherStatic = FixedNoiseKeySource.Sequence(0x33);
        var error = await InitiatorErrorAgainst(initiatorKey, _ => NoiseWire.HonestPayload(responderKey, otherStatic));
        Assert.That(error, Is.TypeOf<NoiseHandshakeException>());
        Assert.That(error.Message, Does.Contain("signature does not verify"));
    }

    [TestCase("0807120401020304", "unknown key type 7")]
    [TestCase("0800120401020304", "Rsa public keys are not supported")] // RSA: valid libp2p type this node does not support
    [TestCase("0801120401020304", "invalid Ed25519 public key")] // Ed25519 key of the wrong length
    public async Task Unusable_identity_keys_are_rejected(string identityKeyHex, string expected)
    {
        using var initiatorKey = PrivateKey.Generate(KeyType.Ed25519);
        var error = await InitiatorErrorAgainst(initiatorKey, _ => NoiseWire.Payload(Convert.FromHexString(identityKeyHex), new byte[64]));
        Assert.That(error, Is.TypeOf<NoiseHandshakeException>());
        Assert.That(error.Message, Does.Contain("identity key is unsupported or malformed").And.Contain(expected));
    }

    [Test]
    public async Task Missing_identity_key_or_signature_and_garbage_payloads_are_rejected()
    {
        using var initiatorKey = PrivateKey.Generate(KeyType.Ed25519);
        using var responderKey = PrivateKey.Generate(KeyType.Ed25519);
        var noKey = await InitiatorErrorAgainst(initiatorKey, s => NoiseWire.Payload(null, responderKey.Sign(NoiseWire.SignedData(s.Span))));
        var noSignature = await InitiatorErrorAgainst(initiatorKey, _ => NoiseWire.Payload(responderKey.PublicKey.ToProtobuf(), null));
        var garbage = await InitiatorErrorAgainst(initiatorKey, _ => [0xff, 0xff, 0xff]);
        Assert.Multiple(() =>
        {
            Assert.That(noKey.Message, Does.Contain("no identity key"));
            Assert.That(noSignature.Message, Does.Contain("no identity signature"));
            Assert.That(garbage.Message, Does.Contain("not a valid NoiseHandshakePayload"));
        });
    }

    [Test]
    public async Task Initiator_with_a_forged_signature_is_rejected_by_the_responder()
    {
        using var responderKey = PrivateKey.Generate(KeyType.Ed25519);
        using var claimed = PrivateKey.Generate(KeyType.Secp256k1);
        using var signer = PrivateKey.Generate(KeyType.Secp256k1);
        var (a, b) = NoiseTestPipes.CreatePair();
        using var _ = a;
        var inbound = NoiseSecurity.SecureInboundAsync(b, responderKey, CancellationToken.None);
        await NoiseWire.InitiateWithAsync(a, s => NoiseWire.Payload(claimed.PublicKey.ToProtobuf(), signer.Sign(NoiseWire.SignedData(s.Span)))).Bounded();
        var error = Assert.ThrowsAsync<NoiseHandshakeException>(async () => await inbound.Bounded());
        Assert.That(error!.Message, Does.Contain("signature does not verify"));
    }

    [Test]
    public async Task Tampered_handshake_message_fails_authentication()
    {
        using var initiatorKey = PrivateKey.Generate(KeyType.Ed25519);
        using var responderKey = PrivateKey.Generate(KeyType.Ed25519);
        var (a, b) = NoiseTestPipes.CreatePair();
        using var initiatorEnd = a;
        using var responderWire = new InterceptingStream(b);
        responderWire.CorruptNextWrite(2 + 32 + 5); // inside the encrypted static key of message 2
        var outbound = NoiseSecurity.SecureOutboundAsync(initiatorEnd, initiatorKey, null, CancellationToken.None);
        var inbound = NoiseSecurity.SecureInboundAsync(responderWire, responderKey, CancellationToken.None);
        var error = Assert.ThrowsAsync<NoiseHandshakeException>(async () => await outbound.Bounded());
        Assert.That(error!.Message, Does.Contain("message 2 failed authentication"));
        initiatorEnd.Dispose();
        Assert.ThrowsAsync<NoiseHandshakeException>(async () => await inbound.Bounded());
    }

    [Test]
    public async Task Eof_in_the_middle_of_a_handshake_message_fails_clearly()
    {
        using var initiatorKey = PrivateKey.Generate(KeyType.Ed25519);
        var (a, b) = NoiseTestPipes.CreatePair();
        using var _ = a;
        var outbound = NoiseSecurity.SecureOutboundAsync(a, initiatorKey, null, CancellationToken.None);
        await NoiseWire.ReadFrameAsync(b).Bounded();
        await b.WriteAsync(new byte[] { 0x00, 0x60, 1, 2, 3, 4, 5 }); // declares 96 bytes, sends 5, then closes
        b.Dispose();
        var error = Assert.ThrowsAsync<NoiseHandshakeException>(async () => await outbound.Bounded());
        Assert.That(error!.Message, Does.Contain("connection closed while reading Noise handshake message 2"));
    }

    [Test]
    public async Task Too_short_handshake_message_is_rejected()
    {
        using var initiatorKey = PrivateKey.Generate(KeyType.Ed25519);
        var (a, b) = NoiseTestPipes.CreatePair();
        using var _ = a;
        using var __ = b;
        var outbound = NoiseSecurity.SecureOutboundAsync(a, initiatorKey, null, CancellationToken.None);
        await NoiseWire.ReadFrameAsync(b).Bounded();
        await NoiseWire.WriteFrameAsync(b, new byte[40]);
        var error = Assert.ThrowsAsync<NoiseHandshakeException>(async () => await outbound.Bounded());
        Assert.That(error!.Message, Does.Contain("handshake message 2 is 40 bytes; at least 96"));
    }

    [Test]
    public async Task Responder_fails_cleanly_when_message_1_is_cut_short_or_too_small()
    {
        using var responderKey = PrivateKey.Generate(KeyType.Ed25519);
        var (a1, b1) = NoiseTestPipes.CreatePair();
        using var _ = b1;
        var truncated = NoiseSecurity.SecureInboundAsync(b1, responderKey, CancellationToken.None);
        await a1.WriteAsync(new byte[] { 0xff, 0xff, 1, 2, 3 }); // declares the 65535-byte maximum, sends 3 bytes
        a1.Dispose();
        var error = Assert.ThrowsAsync<NoiseHandshakeException>(async () => await truncated.Bounded());
        Assert.That(error!.Message, Does.Contain("message 1"));

        var (a2, b2) = NoiseTestPipes.CreatePair();
        using var __ = a2;
        using var ___ = b2;
        var small = NoiseSecurity.SecureInboundAsync(b2, responderKey, CancellationToken.None);
        await NoiseWire.WriteFrameAsync(a2, new byte[31]);
        error = Assert.ThrowsAsync<NoiseHandshakeException>(async () => await small.Bounded());
        Assert.That(error!.Message, Does.Contain("at least 32"));
    }

    [Test]
    public void Outbound_handshake_honours_cancellation_when_the_peer_never_answers()
    {
        using var initiatorKey = PrivateKey.Generate(KeyType.Ed25519);
        var (a, b) = NoiseTestPipes.CreatePair();
        using var _ = a;
        using var __ = b;
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var outbound = NoiseSecurity.SecureOutboundAsync(a, initiatorKey, null, cts.Token);
        Assert.That(async () => await outbound.Bounded(), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void Inbound_handshake_honours_cancellation_when_the_peer_never_speaks()
    {
        using var responderKey = PrivateKey.Generate(KeyType.Secp256k1);
        var (a, b) = NoiseTestPipes.CreatePair();
        using var _ = a;
        using var __ = b;
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var inbound = NoiseSecurity.SecureInboundAsync(b, responderKey, cts.Token);
        Assert.That(async () => await inbound.Bounded(), Throws.InstanceOf<OperationCanceledException>());
    }

    /// <summary>Runs a real initiator against a hand-played responder sending <paramref name="payload"/> in message 2.</summary>
    private static async Task<NoiseHandshakeException> InitiatorErrorAgainst(PrivateKey initiatorKey, Func<ReadOnlyMemory<byte>, byte[]> payload)
    {
        var (a, b) = NoiseTestPipes.CreatePair();
        using var _ = a;
        using var __ = b;
        var outbound = NoiseSecurity.SecureOutboundAsync(a, initiatorKey, null, CancellationToken.None);
        using var responder = await NoiseWire.RespondWithAsync(b, payload).Bounded();
        var error = Assert.ThrowsAsync(Is.InstanceOf<NoiseHandshakeException>(), async () => await outbound.Bounded());
        return (NoiseHandshakeException)error!;
    }
}
