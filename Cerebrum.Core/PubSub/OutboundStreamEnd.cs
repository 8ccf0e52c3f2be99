namespace Cerebrum.Core.PubSub;

/// <summary>Why the writer of an outbound stream attached with <see cref="GossipRouter.AttachOutboundStream"/> stopped.</summary>
public enum OutboundStreamEnd
{
    /// <summary>The peer was removed, or the router disposed: there is nothing more to send it.</summary>
    PeerRemoved,

    /// <summary>
    /// The stream failed, or the remote closed or reset it, while the peer was still known: the peer keeps its state and
    /// its send queue (which fills, then drops) until a replacement stream is attached or the peer is removed.
    /// </summary>
    StreamLost,
}
