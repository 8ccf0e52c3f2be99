using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Status.Proto;

namespace Cerebrum.Core.Inference.Status;

/// <summary>A <see cref="NodeStatus"/> whose signature checked out: <paramref name="Node"/> is the peer ID of the signing key.</summary>
public sealed record VerifiedNodeStatus(PeerId Node, NodeStatus Status)
{
    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeMilliseconds(Status.TimestampUnixMs);
}
