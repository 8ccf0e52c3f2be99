using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Network;

/// <summary>What the host knows about a peer: a snapshot, safe to read from any thread.</summary>
public sealed record PeerInfo
{
    public required PeerId PeerId { get; init; }
    public PublicKey? PublicKey { get; init; }
    public IReadOnlyList<Multiaddress> Addresses { get; init; } = [];
    public IReadOnlyList<string> Protocols { get; init; } = [];
    public string? AgentVersion { get; init; }
    public string? ProtocolVersion { get; init; }
    public TimeSpan? LastRtt { get; init; }
    public DateTimeOffset LastSeen { get; init; }
}
