using Cerebrum.Core.Crypto;

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
}
