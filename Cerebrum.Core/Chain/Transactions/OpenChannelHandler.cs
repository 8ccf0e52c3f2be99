using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;
using Google.Protobuf;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>Opens a payment channel from the sender to a node, funded from the sender's balance.</summary>
public sealed class OpenChannelHandler : ITransactionHandler
{
    public Transaction.BodyOneofCase Type => Transaction.BodyOneofCase.OpenChannel;

    public ChainError? Apply(TransactionContext context)
    {
        var open = context.Transaction.Body.OpenChannel;
        if (PeerIdField.Parse(open.Node, "channel node", out var node) is { } invalid) return invalid;
        if (node == context.SenderId) return new ChainError(ChainErrorCode.InvalidField, "a channel to oneself");
        if (Amounts.Positive(open.Amount, "channel deposit") is { } notPositive) return notPositive;
        if (Amounts.Covered(context.Sender.Balance, open.Amount, "channel deposit") is { } uncovered) return uncovered;
        var id = PaymentIds.Channel(context.SenderId, context.Transaction.Body.Nonce);
        // The id hashes the payer's nonce, which the executor has just used up, so it cannot exist yet.
        context.Sender.Balance -= open.Amount;
        context.State.SetChannel(id, new ChannelState
        {
            Payer = ByteString.CopyFrom(context.SenderId.Bytes.Span),
            Node = ByteString.CopyFrom(node.Bytes.Span),
            Deposit = open.Amount,
            OpenedHeight = context.Block.Height,
        });
        return null;
    }
}
