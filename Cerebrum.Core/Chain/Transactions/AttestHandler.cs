using Cerebrum.Core.Chain.Nodes;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>
/// Records a validator's attestations (the sender signed each, and is in the validator set), then re-evaluates every
/// node and dispute they touch: figures, reputation and lifecycle (<see cref="NodeEvaluation"/>), slashing
/// (<see cref="NodeDisputes"/>). One bad attestation refuses the whole transaction.
/// </summary>
public sealed class AttestHandler : ITransactionHandler
{
    public const int MaxAttestations = 64;

    public Transaction.BodyOneofCase Type => Transaction.BodyOneofCase.Attest;

    public ChainError? Apply(TransactionContext context)
    {
        var attestations = context.Transaction.Body.Attest.Attestations;
        if (attestations.Count is 0 or > MaxAttestations)
            return new ChainError(ChainErrorCode.InvalidField, $"an Attest transaction carries 1 to {MaxAttestations} attestations, not {attestations.Count}");
        var nodes = new List<PeerId>();
        var disputes = new List<byte[]>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < attestations.Count; i++)
        {
            if (!AttestationSigning.TryOpen(attestations[i], out var attestation, out var validator, out var error))
                return new ChainError(ChainErrorCode.BadAttestation, $"attestation {i}: {error}");
            if (validator != context.SenderId)
                return new ChainError(ChainErrorCode.BadAttestation, $"attestation {i} is by {validator}; an Attest transaction carries only its sender's own");
            if (!seen.Add($"{Convert.ToHexStringLower(attestation.Node.Span)}/{(int)attestation.Kind}/{Convert.ToHexStringLower(attestation.DisputeId.Span)}"))
                return new ChainError(ChainErrorCode.BadAttestation, $"attestation {i} repeats an earlier one's node and check");
            if (AttestationRules.Check(attestation, validator, context.State, context.Block) is { } refused)
                return refused with { Message = $"attestation {i}: {refused.Message}" };
            AttestationRules.Record(context.State, attestation);
            if (attestation.Kind == CheckKind.Receipt)
            {
                if (!disputes.Any(d => d.AsSpan().SequenceEqual(attestation.DisputeId.Span))) disputes.Add(attestation.DisputeId.ToByteArray());
            }
            else
            {
                var node = PeerId.FromBytes(attestation.Node.Span);
                if (!nodes.Contains(node)) nodes.Add(node);
            }
        }
        foreach (var node in nodes) NodeEvaluation.Evaluate(context, node);
        foreach (var dispute in disputes) NodeDisputes.Judge(context, dispute);
        return null;
    }
}
