using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Status.Proto;
using Cerebrum.Core.Network.Multiaddr;

namespace Cerebrum.Core.Inference.Status;

/// <summary>A <see cref="NodeStatus"/> whose signature checked out: <paramref name="Node"/> is the peer ID of the signing key.</summary>
/// <param name="Addresses">The status's dial addresses, decoded (none has a /p2p part).</param>
public sealed record VerifiedNodeStatus(PeerId Node, NodeStatus Status, IReadOnlyList<Multiaddress> Addresses)
{
    public VerifiedNodeStatus(PeerId node, NodeStatus status)
        : this(node, status, [])
    {
    }

    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeMilliseconds(Status.TimestampUnixMs);

    /// <summary>The models the node serves, decoded with their text encodings (for layers that do not read the wire form).</summary>
    public IReadOnlyList<AnnouncedModel> Models { get; } = NodeStatusModels.Decode(Status);

    /// <summary>Micro-CER per request.</summary>
    public ulong PricePerRequest => Status.PricePerRequest;
}
