using Cerebrum.Core.PubSub;

namespace Cerebrum.Core.Chain.Gossip;

/// <summary>The gossip verdict on a <c>cerebrum/1/txs</c> message from what became of each transaction it carried.</summary>
public static class TransactionGossipVerdict
{
    /// <summary>
    /// Reject when any transaction is malformed, not canonically encoded, too large, badly signed or for another chain (its publisher checked
    /// them, so that is the publisher's fault; the good ones are admitted all the same); Accept when any was admitted;
    /// Ignore otherwise (duplicates, nonces, balances, a full mempool, unknown types depend on this node's view).
    /// </summary>
    public static ValidationResult For(IReadOnlyList<TransactionSubmission> submissions)
    {
        ArgumentNullException.ThrowIfNull(submissions);
        if (submissions.Any(s => s.Error?.Code is ChainErrorCode.MalformedTransaction or ChainErrorCode.TransactionTooLarge
                or ChainErrorCode.BadSignature or ChainErrorCode.WrongChainId or ChainErrorCode.NonCanonicalEncoding))
            return ValidationResult.Reject;
        return submissions.Any(s => s.Accepted) ? ValidationResult.Accept : ValidationResult.Ignore;
    }
}
