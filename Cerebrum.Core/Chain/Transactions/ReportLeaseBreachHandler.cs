using Cerebrum.Core.Chain.Nodes;
using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Protocol.Proto;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>
/// Slashes a node that served another payer inside an exclusive lease: the evidence is the node's own signed receipt
/// (checked against the node's key from its peer ID) whose requester is neither the tenant nor a delegate the lease's
/// terms name, and whose node time lies within the lease. Needs no re-execution, so every validator checks it alike;
/// the sender is the finder; once per lease; the fee must be at least the chain's evidence fee.
/// </summary>
public sealed class ReportLeaseBreachHandler : ITransactionHandler
{
    public Transaction.BodyOneofCase Type => Transaction.BodyOneofCase.ReportLeaseBreach;

    public ChainError? Apply(TransactionContext context)
    {
        var report = context.Transaction.Body.ReportLeaseBreach;
        if (context.Transaction.Body.Fee < context.Params.Verification.EvidenceFee)
            return new ChainError(ChainErrorCode.FeeTooLow, $"evidence carries a fee of at least {context.Params.Verification.EvidenceFee}");
        if (report.LeaseId.Length != PaymentIds.Length) return new ChainError(ChainErrorCode.InvalidField, $"lease id has {report.LeaseId.Length} bytes, not {PaymentIds.Length}");
        if (context.State.GetLease(report.LeaseId.Span) is not { } lease) return new ChainError(ChainErrorCode.UnknownLease, $"no lease {PaymentIds.ToHex(report.LeaseId.Span)}");
        if (lease.Breached) return new ChainError(ChainErrorCode.LeaseAlreadyBreached, "this lease's breach was already slashed");
        if (report.JobId.Length is 0 or > ReportWrongReceiptHandler.MaxJobIdLength)
            return new ChainError(ChainErrorCode.BadEvidence, $"the job id must be 1 to {ReportWrongReceiptHandler.MaxJobIdLength} characters");
        if (report.InputHash.Length != 32 || report.OutputHash.Length != 32) return new ChainError(ChainErrorCode.BadEvidence, "the receipt's hashes are 32 bytes each");
        if (report.Requester.Span.SequenceEqual(lease.Tenant.Span))
            return new ChainError(ChainErrorCode.NotInLease, "the receipt is for the lease's own tenant");
        if (lease.Delegates.Any(d => d.Span.SequenceEqual(report.Requester.Span)))
            return new ChainError(ChainErrorCode.NotInLease, "the receipt is for a delegate the tenant named in the lease");
        if (report.TimeUnixMs < lease.StartUnixMs || report.TimeUnixMs >= lease.EndUnixMs)
            return new ChainError(ChainErrorCode.NotInLease, $"the receipt's time {report.TimeUnixMs} is outside the lease [{lease.StartUnixMs}, {lease.EndUnixMs})");
        var nodeId = PeerId.FromBytes(lease.Node.Span);
        if (nodeId.TryGetPublicKey() is not { } key || !key.Verify(InferReceipts.SigningBytes(new InferReceipt
            {
                JobId = report.JobId,
                ModelHash = report.ModelHash,
                InputHash = report.InputHash,
                OutputHash = report.OutputHash,
                Requester = report.Requester,
                TimeUnixMs = report.TimeUnixMs,
                Price = report.Price,
                NodeNonce = report.NodeNonce,
            }), report.Signature.Span))
            return new ChainError(ChainErrorCode.BadEvidence, "the receipt signature is not the leased node's");
        if (context.State.GetNode(nodeId) is not { } node) return new ChainError(ChainErrorCode.UnknownNode, $"node {nodeId} is not registered");
        NodeSlashing.Slash(context, node, context.SenderId);
        if (node.Lifecycle != NodeLifecycle.Jailed) NodeEvaluation.Jail(node, context.Block);
        lease.Breached = true;
        context.State.SetLease(report.LeaseId.Span, lease);
        context.State.SetNode(nodeId, node);
        return null;
    }
}
