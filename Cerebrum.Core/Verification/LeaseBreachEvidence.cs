using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Inference.Protocol;
using Google.Protobuf;

namespace Cerebrum.Core.Verification;

/// <summary>
/// Turns a leased node's verified answer to someone other than its tenant into <see cref="ReportLeaseBreach"/> evidence:
/// the node-signed receipt, repeated field by field so that every validator can rebuild and check it. The same conditions
/// as the ledger's handler are checked first, so a report that would be refused (the tenant's own job, a time outside the
/// lease, a lease already breached) is never filed and its evidence fee never spent.
/// </summary>
public static class LeaseBreachEvidence
{
    /// <summary>The evidence against the node leased under <paramref name="leaseId"/>; null when <paramref name="answer"/> does not breach <paramref name="lease"/>.</summary>
    public static ReportLeaseBreach? From(ReadOnlySpan<byte> leaseId, LeaseState lease, InferCallResult answer)
    {
        if (answer.Receipt is not { } receipt || answer.Binding is not { } binding || lease.Breached) return null;
        if (binding.Requester.Bytes.Span.SequenceEqual(lease.Tenant.Span)) return null;
        var time = binding.Time.ToUnixTimeMilliseconds();
        if (time < lease.StartUnixMs || time >= lease.EndUnixMs) return null;
        return new ReportLeaseBreach
        {
            LeaseId = ByteString.CopyFrom(leaseId),
            JobId = answer.JobId,
            ModelHash = answer.ModelHash,
            InputHash = ByteString.CopyFrom(receipt.InputHash.Span),
            OutputHash = ByteString.CopyFrom(receipt.OutputHash.Span),
            Requester = ByteString.CopyFrom(binding.Requester.Bytes.Span),
            TimeUnixMs = time,
            Price = binding.Price,
            NodeNonce = ByteString.CopyFrom(binding.NodeNonce),
            Signature = ByteString.CopyFrom(receipt.Signature.Span),
        };
    }
}
