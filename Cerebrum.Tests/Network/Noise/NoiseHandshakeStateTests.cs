using Cerebrum.Core.Network.Noise;

namespace Cerebrum.Tests.Network.Noise;

public sealed class NoiseHandshakeStateTests
{
    [Test]
    public void Messages_must_alternate_and_split_needs_a_complete_handshake()
    {
        using var initiator = new NoiseHandshakeState(initiator: true, RandomNoiseKeySource.Instance);
        using var responder = new NoiseHandshakeState(initiator: false, RandomNoiseKeySource.Instance);
        Assert.That(initiator.IsMyTurnToWrite, Is.True);
        Assert.That(responder.IsMyTurnToWrite, Is.False);
        Assert.Throws<InvalidOperationException>(() => responder.WriteMessage([]));
        Assert.Throws<InvalidOperationException>(() => initiator.ReadMessage(new byte[32]));
        Assert.Throws<InvalidOperationException>(() => initiator.Split());

        responder.ReadMessage(initiator.WriteMessage([]));
        initiator.ReadMessage(responder.WriteMessage([]));
        responder.ReadMessage(initiator.WriteMessage([]));
        Assert.That(initiator.IsComplete && responder.IsComplete, Is.True);
        Assert.That(initiator.HandshakeHash.ToArray(), Is.EqualTo(responder.HandshakeHash.ToArray()));
        Assert.Throws<InvalidOperationException>(() => initiator.WriteMessage([]));

        var (send, receive) = initiator.Split();
        using (send)
        using (receive)
        {
            Assert.Throws<InvalidOperationException>(() => initiator.Split());
        }
    }

    [Test]
    public void Low_order_ephemeral_key_is_rejected()
    {
        using var responder = new NoiseHandshakeState(initiator: false, RandomNoiseKeySource.Instance);
        responder.ReadMessage(new byte[32]); // all-zero "ephemeral key": every DH with it is zero
        var error = Assert.Throws<NoiseHandshakeException>(() => responder.WriteMessage([]));
        Assert.That(error!.Message, Does.Contain("X25519"));
        // A failed handshake stays failed.
        Assert.Throws<InvalidOperationException>(() => responder.WriteMessage([]));
    }

    [Test]
    public void Oversized_payload_cannot_make_a_message_beyond_65535_bytes()
    {
        using var initiator = new NoiseHandshakeState(initiator: true, RandomNoiseKeySource.Instance);
        Assert.That(initiator.WriteMessage(new byte[65535 - 32]), Has.Length.EqualTo(65535));

        using var other = new NoiseHandshakeState(initiator: true, RandomNoiseKeySource.Instance);
        var error = Assert.Throws<ArgumentException>(() => other.WriteMessage(new byte[65535 - 31]));
        Assert.That(error!.Message, Does.Contain("65536 bytes"));
    }

    [Test]
    public void A_tampered_message_poisons_the_state()
    {
        using var initiator = new NoiseHandshakeState(initiator: true, RandomNoiseKeySource.Instance);
        using var responder = new NoiseHandshakeState(initiator: false, RandomNoiseKeySource.Instance);
        responder.ReadMessage(initiator.WriteMessage([]));
        var message2 = responder.WriteMessage("payload"u8);
        message2[^1] ^= 1;
        var error = Assert.Throws<NoiseHandshakeException>(() => initiator.ReadMessage(message2));
        Assert.That(error!.Message, Does.Contain("message 2 failed authentication"));
        Assert.Throws<InvalidOperationException>(() => initiator.WriteMessage([]));
    }
}
