using System.Security.Cryptography;
using System.Text;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Nodes;

/// <summary>
/// Disputes over receipts: a finder's evidence opens one; validators re-execute the job and vote
/// (<see cref="CheckKind.Receipt"/> attestations); when validators with more than 2/3 of the power say the output was
/// wrong, the node is slashed (the finder gets its share) and jailed; when they say it was right, the dispute is
/// dismissed; undecided, it expires after <see cref="VerificationParams.DisputeWindow"/> blocks.
/// </summary>
public static class NodeDisputes
{
    private static readonly byte[] Domain = Encoding.ASCII.GetBytes("cerebrum-dispute:");

    /// <summary>SHA-256("cerebrum-dispute:" || node peer ID bytes || job id (UTF-8) || the receipt's output hash).</summary>
    public static byte[] Id(PeerId node, string jobId, ReadOnlySpan<byte> outputHash) =>
        SHA256.HashData([.. Domain, .. node.Bytes.Span, .. Encoding.UTF8.GetBytes(jobId), .. outputHash]);

    /// <summary>Settles the dispute if a quorum of fresh votes exists.</summary>
    public static void Judge(TransactionContext context, ReadOnlySpan<byte> disputeId)
    {
        var state = context.State;
        var block = context.Block;
        var dispute = state.GetDispute(disputeId)!;
        var validators = block.Validators!;
        var votes = dispute.Votes
            .Where(v => AttestationRules.IsFresh(v, block, 0))
            .Select(v => (v, (ulong)(validators.Find(PeerId.FromBytes(v.Validator.Span))?.Power ?? 0L)))
            .Where(p => p.Item2 > 0);
        switch (NodeEvaluation.Decide(votes, validators))
        {
            case NodeEvaluation.Quorum.Fail:
                var nodeId = PeerId.FromBytes(dispute.Node.Span);
                var node = state.GetNode(nodeId)!;
                NodeSlashing.Slash(context, node, PeerId.FromBytes(dispute.Finder.Span));
                node.History.DisputesLost = checked(node.History.DisputesLost + 1);
                if (node.Lifecycle != NodeLifecycle.Jailed) NodeEvaluation.Jail(node, block);
                state.SetNode(nodeId, node);
                state.SetDispute(disputeId, null);
                break;
            case NodeEvaluation.Quorum.Pass:
                state.SetDispute(disputeId, null);
                break;
        }
    }

    /// <summary>Begin-block: removes disputes opened more than the dispute window ago.</summary>
    public static void ExpireDue(StateOverlay state, BlockContext block)
    {
        var window = block.Params.Verification.DisputeWindow;
        var due = state.Enumerate(StateKeys.DisputePrefix)
            .Where(e => block.Height - ((DisputeState)e.Value).OpenedHeight > window)
            .Select(e => e.Key).Order(StringComparer.Ordinal).ToList();
        foreach (var key in due) state.Set(key, null);
    }
}
