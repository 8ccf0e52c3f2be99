using Cerebrum.Core.PubSub;

namespace Cerebrum.Core.Chain.Gossip;

/// <summary>The gossip verdict on a <c>cerebrum/1/evidence</c> message from the chain's answer to it.</summary>
public static class EvidenceGossipVerdict
{
    /// <summary>
    /// Accept what the chain took (it is relayed once: evidence travels as far as it verifies); Reject what proves nothing
    /// (malformed, not conflicting, badly signed, not by a validator of its height: its sender's fault); Ignore the rest,
    /// which depends on this node's view (already pending or punished, too old, a height not committed here yet, a full pool).
    /// </summary>
    public static ValidationResult For(ChainError? refused) => refused?.Code switch
    {
        null => ValidationResult.Accept,
        ChainErrorCode.InvalidEvidence => ValidationResult.Reject,
        _ => ValidationResult.Ignore,
    };
}
