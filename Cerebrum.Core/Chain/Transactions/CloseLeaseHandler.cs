using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>
/// Ends a lease. The tenant may at any time: the node gets what accrued until this block's time (less the take) and the
/// tenant the rest, to the micro-CER. Once it has ended, the node or anyone may: the node gets the whole prepayment.
/// </summary>
public sealed class CloseLeaseHandler : ITransactionHandler
{
    public Transaction.BodyOneofCase Type => Transaction.BodyOneofCase.CloseLease;

    public ChainError? Apply(TransactionContext context)
    {
        var leaseId = context.Transaction.Body.CloseLease.LeaseId;
        if (leaseId.Length != PaymentIds.Length) return new ChainError(ChainErrorCode.InvalidField, $"lease id has {leaseId.Length} bytes, not {PaymentIds.Length}");
        if (context.State.GetLease(leaseId.Span) is not { } lease) return new ChainError(ChainErrorCode.UnknownLease, $"no lease {PaymentIds.ToHex(leaseId.Span)}");
        var now = context.Block.TimeUnixMs;
        var byTenant = lease.Tenant.Span.SequenceEqual(context.SenderId.Bytes.Span);
        if (!byTenant && now < lease.EndUnixMs)
            return lease.Node.Span.SequenceEqual(context.SenderId.Bytes.Span)
                ? new ChainError(ChainErrorCode.LeaseNotEnded, $"the lease runs until {lease.EndUnixMs}; only its tenant may end it early")
                : new ChainError(ChainErrorCode.NotLeaseParty, "only the tenant may close a running lease");
        if (PeerIdField.Parse(lease.Node, "lease node", out var nodeId) is { } badNode) return badNode;
        if (PeerIdField.Parse(lease.Tenant, "lease tenant", out var tenantId) is { } badTenant) return badTenant;
        var accrued = PaymentMath.Accrued(lease, now);
        if (context.PayOut(nodeId, accrued) is { } overflow) return overflow;
        var tenant = context.GetAccount(tenantId);
        if (Amounts.AddWithoutOverflow(tenant.Balance, lease.Prepaid - accrued, out var refunded) is { } refundOverflow) return refundOverflow;
        tenant.Balance = refunded;
        context.SetAccount(tenantId, tenant);
        context.State.SetLease(leaseId.Span, null);
        Nodes.LeaseFaults.CountCompleted(context.State, lease);
        if (context.State.GetNode(nodeId) is { } node && node.LeaseId.Span.SequenceEqual(leaseId.Span))
        {
            node.LeaseId = Google.Protobuf.ByteString.Empty;
            context.State.SetNode(nodeId, node);
        }
        return null;
    }
}
