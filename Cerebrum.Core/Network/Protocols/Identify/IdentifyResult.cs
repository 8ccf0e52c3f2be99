using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Multiaddr;

namespace Cerebrum.Core.Network.Protocols.Identify;

/// <summary>What a peer told us about itself through identify.</summary>
public sealed record IdentifyResult
{
    public required PeerId PeerId { get; init; }
    public PublicKey? PublicKey { get; init; }
    public string? AgentVersion { get; init; }
    public string? ProtocolVersion { get; init; }
    public IReadOnlyList<string> Protocols { get; init; } = [];
    public IReadOnlyList<Multiaddress> ListenAddresses { get; init; } = [];
    public Multiaddress? ObservedAddress { get; init; }

    /// <summary>The peer's signed peer record, verified (signed by the peer itself); null when it sent none or a bad one.</summary>
    public Records.PeerRecord? PeerRecord { get; init; }

    /// <summary>The encoded envelope of <see cref="PeerRecord"/>, kept to pass on in peer exchange.</summary>
    public ReadOnlyMemory<byte> SignedPeerRecord { get; init; }
}
