using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Noise;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Noise;

/// <summary>
/// The Noise XX handshake fed hostile bytes through its real framing and state machine: it completes with the honest
/// peer's identity or fails with <see cref="NoiseHandshakeException"/>, never another exception. Keys are pinned so the
/// honest transcripts the mutations start from are the same on every run.
/// </summary>
public class NoiseHandshakeFuzzTests
{
    private static readonly PrivateKey InitiatorIdentity = Fuzz.Key("noise-handshake-fuzz-initiator", KeyType.Secp256k1);
    private static readonly PrivateKey ResponderIdentity = Fuzz.Key("noise-handshake-fuzz-responder", KeyType.Ed25519);

    [OneTimeTearDown]
    public void DisposeKeys()
    {
        InitiatorIdentity.Dispose();
        ResponderIdentity.Dispose();
    }

    private static NoiseHandshakeOptions InitiatorOptions => new() { KeySource = new FixedNoiseKeySource(FixedNoiseKeySource.Sequence(1), FixedNoiseKeySource.Sequence(33)) };

    private static NoiseHandshakeOptions ResponderOptions => new() { KeySource = new FixedNoiseKeySource(FixedNoiseKeySource.Sequence(65), FixedNoiseKeySource.Sequence(97)) };

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public async Task Responder_CompletesWithTheInitiatorOrThrowsNoiseHandshakeException(int seed)
    {
        var (message1, _, message3) = HonestTranscript();
        byte[][] valid = [[.. Frame(message1), .. Frame(message3)], Frame(message1)];
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(150); i++)
        {
            var input = mutator.Next(valid, 200);
            var stream = new ScriptedInputStream(input);
            NoiseSecureStream? secured = null;
            await Fuzz.CheckAsync("NoiseSecurity.SecureInboundAsync", seed, input,
                async () => secured = await NoiseSecurity.SecureInboundAsync(stream, ResponderIdentity, ResponderOptions, CancellationToken.None),
                typeof(NoiseHandshakeException));
            if (secured is not null)
                Assert.That(secured.RemotePeer, Is.EqualTo(InitiatorIdentity.PeerId), $"seed {seed}: 0x{Convert.ToHexStringLower(input)}");
        }
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public async Task Initiator_CompletesWithTheResponderOrThrowsNoiseHandshakeException(int seed)
    {
        var (_, message2, _) = HonestTranscript();
        byte[][] valid = [Frame(message2)];
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(150); i++)
        {
            var input = mutator.Next(valid, 200);
            var stream = new ScriptedInputStream(input);
            NoiseSecureStream? secured = null;
            await Fuzz.CheckAsync("NoiseSecurity.SecureOutboundAsync", seed, input,
                async () => secured = await NoiseSecurity.SecureOutboundAsync(stream, InitiatorIdentity, ResponderIdentity.PeerId, InitiatorOptions, CancellationToken.None),
                typeof(NoiseHandshakeException));
            if (secured is not null)
                Assert.That(secured.RemotePeer, Is.EqualTo(ResponderIdentity.PeerId), $"seed {seed}: 0x{Convert.ToHexStringLower(input)}");
        }
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void PayloadVerify_AuthenticatesOrThrowsNoiseHandshakeException(int seed)
    {
        var staticKey = FixedNoiseKeySource.Sequence(200);
        byte[][] valid = [NoisePayload.Create(InitiatorIdentity, staticKey, null), NoisePayload.Create(ResponderIdentity, staticKey, ["/yamux/1.0.0"])];
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(600); i++)
        {
            var input = mutator.Next(valid, 120);
            Fuzz.CheckBounded("NoisePayload.Verify", seed, input, () => NoisePayload.Verify(input, staticKey), typeof(NoiseHandshakeException));
        }
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void StateMachine_ReadMessage_FailsWithNoiseHandshakeExceptionAndStaysFailed(int seed)
    {
        var (message1, message2, _) = HonestTranscript();
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(300); i++)
        {
            using var initiator = new NoiseHandshakeState(initiator: true, InitiatorOptions.KeySource);
            Assert.That(initiator.WriteMessage([]), Is.EqualTo(message1));
            var input = mutator.Next([message2], 200);
            if (Fuzz.CheckBounded("NoiseHandshakeState.ReadMessage", seed, input, () => initiator.ReadMessage(input), typeof(NoiseHandshakeException)))
                continue;
            // The spec requires aborting: a poisoned state refuses to go on.
            Assert.Throws<InvalidOperationException>(() => initiator.WriteMessage([]), $"seed {seed}: 0x{Convert.ToHexStringLower(input)}");
        }
    }

    /// <summary>Messages 1 to 3 of an honest handshake between the pinned keys (payloads as NoiseSecurity sends them).</summary>
    private static (byte[] Message1, byte[] Message2, byte[] Message3) HonestTranscript()
    {
        using var initiator = new NoiseHandshakeState(initiator: true, InitiatorOptions.KeySource);
        using var responder = new NoiseHandshakeState(initiator: false, ResponderOptions.KeySource);
        var message1 = initiator.WriteMessage([]);
        responder.ReadMessage(message1);
        var message2 = responder.WriteMessage(NoisePayload.Create(ResponderIdentity, responder.LocalStaticPublicKey.Span, null));
        initiator.ReadMessage(message2);
        var message3 = initiator.WriteMessage(NoisePayload.Create(InitiatorIdentity, initiator.LocalStaticPublicKey.Span, null));
        return (message1, message2, message3);
    }

    private static byte[] Frame(byte[] message) => [(byte)(message.Length >> 8), (byte)message.Length, .. message];
}
