namespace Cerebrum.Core.Network.Noise;

/// <summary>
/// One Noise static key for all of a host's handshakes, fresh ephemeral keys for each. libp2p authenticates the
/// static key by the identity signature in every handshake, so reusing it is safe, and it takes a key generation off
/// each side's critical path of connection set-up.
/// </summary>
public sealed class SharedStaticNoiseKeySource : INoiseKeySource, IDisposable
{
    private readonly NoiseKeyPair _static = NoiseKeyPair.Generate();

    public NoiseKeyPair CreateStaticKey() => _static.Borrow();

    public NoiseKeyPair CreateEphemeralKey() => NoiseKeyPair.Generate();

    public void Dispose() => _static.Dispose();
}
