using Cerebrum.Core.Network.Noise;

namespace Cerebrum.Tests.Network.Noise;

/// <summary>Pins the X25519 static and ephemeral private keys so handshakes are reproducible byte for byte.</summary>
internal sealed class FixedNoiseKeySource(byte[] staticPrivateKey, byte[] ephemeralPrivateKey) : INoiseKeySource
{
    public NoiseKeyPair CreateStaticKey() => NoiseKeyPair.FromPrivateKey(staticPrivateKey);

    public NoiseKeyPair CreateEphemeralKey() => NoiseKeyPair.FromPrivateKey(ephemeralPrivateKey);

    /// <summary>32 bytes start, start+1, ..., start+31: the key pattern the independent JS vector script uses.</summary>
    public static byte[] Sequence(int start) => Enumerable.Range(start, 32).Select(i => (byte)i).ToArray();
}
