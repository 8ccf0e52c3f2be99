namespace Cerebrum.Core.Network.Noise;

/// <summary>
/// Supplies the X25519 keys for one handshake. Injectable so known-answer tests can pin both keys; a host uses
/// <see cref="SharedStaticNoiseKeySource"/> (one static key for all its handshakes), and a handshake configured without
/// a source <see cref="RandomNoiseKeySource"/>. The handshake takes ownership of (and disposes) the returned pairs.
/// </summary>
public interface INoiseKeySource
{
    /// <summary>The Noise static key. A fresh one per connection is fine: libp2p authenticates it by signature, not by pinning.</summary>
    NoiseKeyPair CreateStaticKey();

    NoiseKeyPair CreateEphemeralKey();
}
