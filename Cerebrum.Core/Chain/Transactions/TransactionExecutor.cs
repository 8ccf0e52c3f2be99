using Cerebrum.Core.Chain.State;
using Google.Protobuf;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>
/// Applies one verified transaction to a state overlay: fee and nonce first, then the type's handler, all in a child
/// overlay merged only on success, so a refused transaction leaves no trace. Used alike by the mempool and blocks.
/// A transaction whose writes change the supply by anything but the fee and take it hands to the block's proposer is
/// refused (<see cref="ChainErrorCode.SupplyChanged"/>): a handler bug can then never mint or lose money.
/// </summary>
public static class TransactionExecutor
{
    public static ChainError? Apply(StateOverlay state, BlockContext block, VerifiedTransaction transaction)
    {
        var body = transaction.Body;
        if (body.Fee < block.Params.MinFee)
            return new ChainError(ChainErrorCode.FeeTooLow, $"fee {body.Fee} is below the minimum of {block.Params.MinFee}");
        var handler = TransactionHandlers.For(body.BodyCase);
        if (handler is null)
            return new ChainError(ChainErrorCode.UnknownTransactionType, $"no handler for transaction type {body.BodyCase}");
        var scratch = new StateOverlay(state);
        var sender = scratch.GetAccount(transaction.Sender);
        if (body.Nonce != sender.Nonce)
            return new ChainError(ChainErrorCode.WrongNonce, $"nonce {body.Nonce}, expected {sender.Nonce}");
        if (sender.Balance < body.Fee)
            return new ChainError(ChainErrorCode.InsufficientBalance, $"fee {body.Fee} but the balance is {sender.Balance}");
        if (Amounts.AddWithoutOverflow(block.FeesCollected, body.Fee, out var fees) is { } overflow) return overflow;
        sender.Balance -= body.Fee;
        sender.Nonce++;
        if (sender.PublicKey.IsEmpty) sender.PublicKey = ByteString.CopyFrom(body.SenderPublicKey.Span);
        var context = new TransactionContext(scratch, block, transaction, sender);
        if (handler.Apply(context) is { } refused)
            return refused;
        if (Amounts.AddWithoutOverflow(fees, context.ToProposer, out fees) is { } handedOverflow) return handedOverflow;
        if (Amounts.AddWithoutOverflow(fees, context.Take, out fees) is { } takeOverflow) return takeOverflow;
        scratch.SetAccount(transaction.Sender, sender);
        var delta = Supply.Delta(scratch);
        var handedToProposer = (Int128)body.Fee + context.Take + context.ToProposer;
        if (delta != -handedToProposer)
            return new ChainError(ChainErrorCode.SupplyChanged, $"{body.BodyCase} would change the supply by {delta + handedToProposer} micro-CER");
        scratch.MergeInto(state);
        block.FeesCollected = fees;
        return null;
    }
}
