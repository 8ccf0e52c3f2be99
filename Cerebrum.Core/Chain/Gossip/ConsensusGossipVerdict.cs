using Cerebrum.Core.Consensus;
using Cerebrum.Core.PubSub;

namespace Cerebrum.Core.Chain.Gossip;

/// <summary>The gossip verdict on a <c>cerebrum/1/consensus</c> message from consensus's own (the one place they are mapped).</summary>
public static class ConsensusGossipVerdict
{
    /// <summary>Valid is passed on (Accept); Invalid costs its sender score (Reject); Irrelevant is dropped without blame (Ignore).</summary>
    public static ValidationResult For(MessageVerdict verdict) => verdict switch
    {
        MessageVerdict.Valid => ValidationResult.Accept,
        MessageVerdict.Invalid => ValidationResult.Reject,
        MessageVerdict.Irrelevant => ValidationResult.Ignore,
        _ => throw new ArgumentOutOfRangeException(nameof(verdict), verdict, "unknown consensus verdict"),
    };
}
