namespace Cerebrum.Core.Chain;

/// <summary>A precise rejection: the code machines act on and a message people read.</summary>
/// <param name="TxCode">For <see cref="ChainErrorCode.InvalidTransactionInBlock"/>: the transaction's own error code.</param>
/// <param name="TxIndex">For <see cref="ChainErrorCode.InvalidTransactionInBlock"/>: the transaction's position in the block.</param>
public sealed record ChainError(ChainErrorCode Code, string Message, ChainErrorCode? TxCode = null, int? TxIndex = null)
{
    public override string ToString() => $"{Code}: {Message}";
}
