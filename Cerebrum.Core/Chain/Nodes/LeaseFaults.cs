using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Nodes;

/// <summary>
/// A leased node that fails the validators' liveness checks (a failing latency quorum) faults its running lease in the
/// same block, without anyone acting: billing stops at the node's last good check (<see cref="NodeHistory.LastLiveUnixMs"/>,
/// never before the lease's start nor after this block's time), the lease keeps what had accrued by then (lazy accrual
/// over the shortened lease pays exactly that to the node when it is closed), and the tenant gets the rest of the
/// prepayment back at once. Integers only; money moves, none is made or destroyed.
/// </summary>
public static class LeaseFaults
{
    /// <summary>Faults <paramref name="node"/>'s running lease, if any (the caller writes the node record); returns the tenant's refund.</summary>
    public static ulong FaultRunning(TransactionContext context, NodeState node)
    {
        if (node.LeaseId.IsEmpty || context.State.GetLease(node.LeaseId.Span) is not { } lease) return 0;
        var now = context.Block.TimeUnixMs;
        if (lease.Faulted || lease.EndUnixMs <= now) return 0;
        var lastGood = node.History?.LastLiveUnixMs ?? 0;
        var stop = Math.Clamp(lastGood, lease.StartUnixMs, now);
        var earned = PaymentMath.Accrued(lease, stop);
        var refund = checked(lease.Prepaid - earned);
        var tenantId = PeerId.FromBytes(lease.Tenant.Span);
        var tenant = context.GetAccount(tenantId);
        tenant.Balance = checked(tenant.Balance + refund);
        context.SetAccount(tenantId, tenant);
        lease.Prepaid = earned;
        lease.EndUnixMs = stop;
        lease.Faulted = true;
        context.State.SetLease(node.LeaseId.Span, lease);
        node.History ??= new NodeHistory();
        node.History.LeasesFaulted = checked(node.History.LeasesFaulted + 1);
        return refund;
    }

    /// <summary>Counts a lease that ended without a fault in its node's history (when it is closed or replaced).</summary>
    public static void CountCompleted(StateOverlay state, LeaseState lease)
    {
        if (lease.Faulted || lease.Breached) return;
        var nodeId = PeerId.FromBytes(lease.Node.Span);
        if (state.GetNode(nodeId) is not { } node) return;
        node.History ??= new NodeHistory();
        node.History.LeasesCompleted = checked(node.History.LeasesCompleted + 1);
        state.SetNode(nodeId, node);
    }
}
