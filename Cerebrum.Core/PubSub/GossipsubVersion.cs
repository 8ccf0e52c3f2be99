namespace Cerebrum.Core.PubSub;

/// <summary>The gossipsub protocol version negotiated with a peer; later versions add PX/backoff (1.1) and IDONTWANT (1.2).</summary>
public enum GossipsubVersion
{
    V1_0,
    V1_1,
    V1_2,
}

