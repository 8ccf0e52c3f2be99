using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Noise;
using Cerebrum.Core.Network.Noise.Proto;
using Google.Protobuf;

namespace Cerebrum.Tests.Network.Noise;

public sealed class NoisePayloadTests
{
    [TestCase(KeyType.Ed25519)]
    [TestCase(KeyType.Secp256k1)]
    public void Created_payload_verifies_against_its_static_key_only(KeyType type)
    {
        using var identity = PrivateKey.Generate(type);
        var staticKey = FixedNoiseKeySource.Sequence(1);
        var payload = NoisePayload.Create(identity, staticKey, ["/yamux/1.0.0"]);

        var remote = NoisePayload.Verify(payload, staticKey);
        Assert.That(remote.PeerId, Is.EqualTo(identity.PeerId));
        Assert.That(remote.PublicKey, Is.EqualTo(identity.PublicKey));
        Assert.That(remote.Extensions?.StreamMuxers, Is.EqualTo(new[] { "/yamux/1.0.0" }));
        Assert.Throws<NoiseHandshakeException>(() => NoisePayload.Verify(payload, FixedNoiseKeySource.Sequence(2)));
    }

    [Test]
    public void Payload_without_muxers_has_only_identity_fields_and_accepts_unknown_extensions()
    {
        using var identity = PrivateKey.Generate(KeyType.Ed25519);
        var staticKey = FixedNoiseKeySource.Sequence(1);
        var parsed = NoiseHandshakePayload.Parser.ParseFrom(NoisePayload.Create(identity, staticKey, []));
        Assert.That(parsed.Extensions, Is.Null);

        // A peer advertising WebTransport cert hashes (which we do not use) is still accepted.
        parsed.Extensions = new NoiseExtensions();
        parsed.Extensions.WebtransportCerthashes.Add(ByteString.CopyFrom(1, 2, 3));
        var remote = NoisePayload.Verify(parsed.ToByteArray(), staticKey);
        Assert.That(remote.Extensions?.WebtransportCerthashes, Has.Count.EqualTo(1));
    }

    [Test]
    public void Random_garbage_always_fails_with_a_handshake_exception()
    {
        var random = new Random(42);
        var staticKey = FixedNoiseKeySource.Sequence(1);
        for (var n = 0; n < 500; n++)
        {
            var garbage = new byte[random.Next(0, 120)];
            random.NextBytes(garbage);
            // Half the cases wrap the garbage as the identity key so key parsing sees it too.
            var payload = n % 2 == 0 ? garbage : NoiseWire.Payload(garbage, new byte[64]);
            Assert.Throws<NoiseHandshakeException>(() => NoisePayload.Verify(payload, staticKey), $"case {n}");
        }
    }
}
