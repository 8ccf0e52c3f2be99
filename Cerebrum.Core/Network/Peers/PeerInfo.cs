using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Multiaddr;

namespace Cerebrum.Core.Network.Peers;

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

    /// <summary>The newest verified signed peer record of this peer (an encoded envelope; empty when none), passed on in peer exchange.</summary>
    public ReadOnlyMemory<byte> SignedPeerRecord { get; init; }

    /// <summary>The sequence number of <see cref="SignedPeerRecord"/>.</summary>
    public ulong PeerRecordSequence { get; init; }
    public DateTimeOffset LastSeen { get; init; }
}
