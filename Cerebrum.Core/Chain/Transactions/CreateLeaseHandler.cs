using Cerebrum.Core.Chain.Caching;
using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;
using Google.Protobuf;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>
/// Leases a registered node exclusively (sender = tenant) on terms the node countersigned: locks hours * price per hour
/// from the tenant's balance, starting at this block's time. Refused while the node's current lease runs; one that has
/// ended but was not closed is paid out to its node first. The terms carry the node's lease sequence, so each
/// countersignature makes one lease at most.
/// </summary>
public sealed class CreateLeaseHandler : ITransactionHandler
{
    /// <summary>Most delegates a lease names (the market's lease requests allow as many).</summary>
    public const int MaxDelegates = 16;

    public Transaction.BodyOneofCase Type => Transaction.BodyOneofCase.CreateLease;

    public ChainError? Apply(TransactionContext context)
    {
        var create = context.Transaction.Body.CreateLease;
        var terms = create.Terms;
        if (terms is null) return new ChainError(ChainErrorCode.InvalidField, "the lease has no terms");
        if (!terms.Tenant.Span.SequenceEqual(context.SenderId.Bytes.Span))
            return new ChainError(ChainErrorCode.InvalidField, "the terms name another tenant than the sender");
        if (PeerIdField.Parse(terms.Node, "lease node", out var nodeId) is { } invalid) return invalid;
        if (nodeId == context.SenderId) return new ChainError(ChainErrorCode.InvalidField, "a lease of one's own node");
        if (terms.Hours < context.Params.MinLeaseHours || terms.Hours > context.Params.MaxLeaseHours)
            return new ChainError(ChainErrorCode.LeaseHoursOutOfRange, $"a lease lasts {context.Params.MinLeaseHours} to {context.Params.MaxLeaseHours} hours, not {terms.Hours}");
        if (Amounts.Positive(terms.PricePerHour, "price per hour") is { } notPositive) return notPositive;
        if (terms.Delegates.Count > MaxDelegates) return new ChainError(ChainErrorCode.InvalidField, $"a lease names at most {MaxDelegates} delegates, not {terms.Delegates.Count}");
        foreach (var delegated in terms.Delegates)
            if (PeerIdField.Parse(delegated, "lease delegate", out _) is { } badDelegate) return badDelegate;
        if (context.Block.TimeUnixMs >= terms.ExpiresUnixMs)
            return new ChainError(ChainErrorCode.LeaseOfferExpired, $"the node's countersignature expired at {terms.ExpiresUnixMs}");
        if (context.State.GetNode(nodeId) is not { } node) return new ChainError(ChainErrorCode.NodeNotRegistered, $"{nodeId} is not a registered node");
        if (terms.Sequence != node.LeaseSequence)
            return new ChainError(ChainErrorCode.WrongLeaseSequence, $"the terms take lease sequence {terms.Sequence}, the node is at {node.LeaseSequence}");
        var nodeAccount = context.State.GetAccount(nodeId);
        if (nodeAccount.PublicKey.IsEmpty || !LeaseTermsSigning.Verify(context.Transaction.Body.ChainId, terms, create.NodeSignature.Span, SenderKeyCache.Parse(nodeAccount.PublicKey.Span).Key))
            return new ChainError(ChainErrorCode.BadLeaseSignature, "the terms are not countersigned by the node for this chain");
        if (!node.LeaseId.IsEmpty && context.State.GetLease(node.LeaseId.Span) is { } current)
        {
            if (current.EndUnixMs > context.Block.TimeUnixMs)
                return new ChainError(ChainErrorCode.NodeAlreadyLeased, $"{nodeId} is leased until {current.EndUnixMs}");
            if (context.PayOut(nodeId, current.Prepaid) is { } overflow) return overflow;
            context.State.SetLease(node.LeaseId.Span, null);
            Nodes.LeaseFaults.CountCompleted(context.State, current);
            node = context.State.GetNode(nodeId)!;
        }
        if (PaymentMath.LeasePrepayment(terms.Hours, terms.PricePerHour) is not { } prepaid)
            return new ChainError(ChainErrorCode.Overflow, "hours * price per hour overflows 64 bits");
        if (Amounts.Covered(context.Sender.Balance, prepaid, "lease prepayment") is { } uncovered) return uncovered;
        long end;
        try
        {
            end = checked(context.Block.TimeUnixMs + terms.Hours * PaymentMath.MillisecondsPerHour);
        }
        catch (OverflowException)
        {
            return new ChainError(ChainErrorCode.Overflow, "the lease's end is out of range");
        }
        var id = PaymentIds.Lease(nodeId, terms.Sequence);
        context.Sender.Balance -= prepaid;
        context.State.SetLease(id, new LeaseState
        {
            Tenant = terms.Tenant,
            Node = terms.Node,
            Hours = terms.Hours,
            PricePerHour = terms.PricePerHour,
            Prepaid = prepaid,
            StartUnixMs = context.Block.TimeUnixMs,
            EndUnixMs = end,
            Sequence = terms.Sequence,
            Delegates = { terms.Delegates },
        });
        node.LeaseId = ByteString.CopyFrom(id);
        node.LeaseSequence = terms.Sequence + 1;
        context.State.SetNode(nodeId, node);
        return null;
    }
}
