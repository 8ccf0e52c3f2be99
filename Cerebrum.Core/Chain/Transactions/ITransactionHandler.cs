using Cerebrum.Core.Chain.Proto;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>
/// Executes one transaction type. Common checks (size, signature, chain id, nonce, fee) are done before; a handler
/// checks its body against the state and applies it, or returns the precise error (its writes are then discarded).
/// </summary>
public interface ITransactionHandler
{
    Transaction.BodyOneofCase Type { get; }

    ChainError? Apply(TransactionContext context);
}
