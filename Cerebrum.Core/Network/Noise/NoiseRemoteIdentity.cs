using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Noise.Proto;

namespace Cerebrum.Core.Network.Noise;

/// <summary>What a verified handshake payload proved: the peer's identity key, its PeerId and its early-data extensions.</summary>
internal sealed record NoiseRemoteIdentity(PublicKey PublicKey, PeerId PeerId, NoiseExtensions? Extensions);
