namespace Cerebrum.Core.PubSub;

/// <summary>How messages of a topic are authored (pubsub/README.md, "Signature Policy Options").</summary>
public enum SignaturePolicy
{
    /// <summary>from, seqno and signature required and verified; key only when not inlined in from.</summary>
    StrictSign,

    /// <summary>from, seqno, signature and key must be absent; authenticity is the payload's business.</summary>
    StrictNoSign,
}
