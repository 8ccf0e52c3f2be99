namespace Cerebrum.Core.Chain;

/// <summary>What a node knows of a transaction's fate, most final first.</summary>
public enum TransactionState
{
    /// <summary>Neither committed nor pending, and no rejection recorded (never seen, or its record has aged out).</summary>
    Unknown,

    /// <summary>In the mempool, waiting for a block.</summary>
    Pending,

    /// <summary>In a committed block.</summary>
    Included,

    /// <summary>Refused by this node's ledger (see <see cref="TransactionStatus.Error"/>); it will not be included unless sent again and accepted.</summary>
    Rejected,
}

/// <summary>A transaction's fate as <see cref="ChainNode.GetTransactionStatus"/> tells it.</summary>
/// <param name="Height">For <see cref="TransactionState.Included"/>: the block's height.</param>
/// <param name="Index">For <see cref="TransactionState.Included"/>: its position in the block.</param>
/// <param name="Error">For <see cref="TransactionState.Rejected"/>: why.</param>
public sealed record TransactionStatus(TransactionState State, ulong? Height = null, int? Index = null, ChainError? Error = null);
