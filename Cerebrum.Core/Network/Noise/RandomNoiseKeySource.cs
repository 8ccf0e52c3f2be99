namespace Cerebrum.Core.Network.Noise;

/// <summary>Fresh random static and ephemeral keys for every handshake (libp2p allows per-session static keys).</summary>
public sealed class RandomNoiseKeySource : INoiseKeySource
{
    public static RandomNoiseKeySource Instance { get; } = new();

    public NoiseKeyPair CreateStaticKey() => NoiseKeyPair.Generate();

    public NoiseKeyPair CreateEphemeralKey() => NoiseKeyPair.Generate();
}
