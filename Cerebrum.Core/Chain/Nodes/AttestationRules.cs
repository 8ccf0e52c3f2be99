using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Nodes;

/// <summary>
/// What makes an attestation count on the ledger, and where it is kept. An attestation counts when its validator is in
/// the set deciding the block, its node is registered, it is fresh (made at most
/// <see cref="VerificationParams.AttestationWindow"/> blocks ago, not in the future) and newer than that validator's
/// previous one of the kind about the node, and, unless the node did not answer, it carries the node's own signed
/// <see cref="CheckStatement"/> naming this validator, node, kind and height: a validator cannot present another's
/// check (or an old one) as its own.
/// </summary>
public static class AttestationRules
{
    /// <summary>Null when <paramref name="attestation"/> (its signature already checked) may be recorded now, else why not.</summary>
    public static ChainError? Check(Attestation attestation, PeerId validator, IStateReader state, BlockContext block)
    {
        if (block.Validators?.Find(validator) is not { Power: > 0 })
            return new ChainError(ChainErrorCode.NotAValidator, $"{validator} is not in the validator set of height {block.Height}");
        if (!TryPeer(attestation.Node, out var node)) return Bad("the node is not a peer ID");
        if (state.GetNode(node) is null) return new ChainError(ChainErrorCode.UnknownNode, $"node {node} is not registered");
        if (attestation.Kind is not (CheckKind.Hardware or CheckKind.Latency or CheckKind.Canary or CheckKind.Receipt))
            return Bad($"unknown check kind {(int)attestation.Kind}");
        if (attestation.Verdict is not (CheckVerdict.Pass or CheckVerdict.Fail or CheckVerdict.Unreachable))
            return Bad($"unknown verdict {(int)attestation.Verdict}");
        if (System.Text.Encoding.UTF8.GetByteCount(attestation.Detail) > AttestationSigning.MaxDetailBytes)
            return Bad($"the detail is longer than {AttestationSigning.MaxDetailBytes} bytes");
        if (attestation.Height > block.Height || block.Height - attestation.Height > block.Params.Verification.AttestationWindow)
            return new ChainError(ChainErrorCode.StaleAttestation, $"made at height {attestation.Height}, which is not within {block.Params.Verification.AttestationWindow} blocks before {block.Height}");
        if (attestation.Kind == CheckKind.Receipt)
        {
            if (attestation.Verdict == CheckVerdict.Unreachable) return Bad("a receipt is judged PASS or FAIL");
            var dispute = state.GetDispute(attestation.DisputeId.Span);
            if (attestation.DisputeId.Length != 32 || dispute is null)
                return new ChainError(ChainErrorCode.UnknownDispute, $"no open dispute {Convert.ToHexStringLower(attestation.DisputeId.Span)}");
            if (!dispute.Node.Equals(attestation.Node)) return Bad("the dispute is about another node");
            return NewerThan(dispute.Votes, validator, attestation);
        }
        // A canary's node must not learn it was checked, so it signs no statement: the canary is an ordinary job whose
        // receipt backs a failure as dispute evidence (ReportWrongReceipt), and its counts weigh as stake-weighted medians.
        if (attestation.Verdict != CheckVerdict.Unreachable && attestation.Kind != CheckKind.Canary)
        {
            var statement = attestation.Statement;
            if (statement is null || !statement.Validator.Span.SequenceEqual(validator.Bytes.Span) || !statement.Node.Equals(attestation.Node)
                || statement.Kind != attestation.Kind || statement.Height != attestation.Height || statement.TranscriptHash.Length != 32)
                return new ChainError(ChainErrorCode.BadNodeStatement, "the node's statement must name this validator, node, kind and height");
            if (!CheckStatements.Verify(node, statement, attestation.NodeSignature.Span))
                return new ChainError(ChainErrorCode.BadNodeStatement, "the node's statement signature is not the node's");
        }
        return NewerThan(state.GetNodeAttestations(node, attestation.Kind).Attestations, validator, attestation);
    }

    /// <summary>Keeps <paramref name="attestation"/> as its validator's latest of its kind about its node (statement and signature dropped).</summary>
    public static void Record(StateOverlay state, Attestation attestation)
    {
        var kept = attestation.Clone();
        kept.Statement = null;
        kept.NodeSignature = Google.Protobuf.ByteString.Empty;
        if (attestation.Kind == CheckKind.Receipt)
        {
            var dispute = state.GetDispute(attestation.DisputeId.Span)!;
            Replace(dispute.Votes, kept);
            state.SetDispute(attestation.DisputeId.Span, dispute);
            return;
        }
        var node = Cerebrum.Core.Crypto.PeerId.FromBytes(attestation.Node.Span);
        var records = state.GetNodeAttestations(node, attestation.Kind);
        Replace(records.Attestations, kept);
        state.SetNodeAttestations(node, attestation.Kind, records);
    }

    /// <summary>Whether a recorded attestation still counts at <paramref name="block"/>'s height (and, for a jailed node, was made after the jailing).</summary>
    public static bool IsFresh(Attestation recorded, BlockContext block, ulong notBefore) =>
        recorded.Height <= block.Height && block.Height - recorded.Height <= block.Params.Verification.AttestationWindow && recorded.Height > notBefore;

    private static void Replace(Google.Protobuf.Collections.RepeatedField<Attestation> records, Attestation attestation)
    {
        for (var i = 0; i < records.Count; i++)
            if (records[i].Validator.Equals(attestation.Validator))
            {
                records.RemoveAt(i);
                break;
            }
        // Ordered by validator bytes, so every machine writes the same encoding.
        var at = 0;
        while (at < records.Count && records[at].Validator.Span.SequenceCompareTo(attestation.Validator.Span) < 0) at++;
        records.Insert(at, attestation);
    }

    private static ChainError? NewerThan(IEnumerable<Attestation> records, PeerId validator, Attestation attestation)
    {
        foreach (var previous in records)
            if (previous.Validator.Span.SequenceEqual(validator.Bytes.Span) && previous.Height >= attestation.Height)
                return new ChainError(ChainErrorCode.StaleAttestation, $"{validator} already has an attestation of this check from height {previous.Height}");
        return null;
    }

    private static bool TryPeer(Google.Protobuf.ByteString bytes, out PeerId id)
    {
        try
        {
            id = PeerId.FromBytes(bytes.Span);
            return true;
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or ArgumentException)
        {
            id = null!;
            return false;
        }
    }

    private static ChainError Bad(string message) => new(ChainErrorCode.BadAttestation, message);
}
