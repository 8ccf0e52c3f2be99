using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Nodes;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.PubSub;
using Google.Protobuf;

namespace Cerebrum.Core.Verification;

/// <summary>
/// What gossip does with a message on <c>cerebrum/1/attestations</c>: reject what is not a validly signed attestation by
/// a validator of the next height about a registered node (it costs its sender score); ignore what is too old or too
/// far ahead of this daemon's ledger (it may just be behind); accept the rest.
/// </summary>
public static class AttestationGossipVerdict
{
    /// <summary>How far ahead of this daemon's height an attestation may be (its validator may be a few blocks on).</summary>
    public const ulong MaxHeightLead = 10;

    public static ValidationResult Check(ReadOnlySpan<byte> payload, ChainNode chain, out string reason)
    {
        SignedAttestation signed;
        try
        {
            if (payload.Length > AttestationSigning.MaxEncodedBytes) return Reject($"larger than {AttestationSigning.MaxEncodedBytes} bytes", out reason);
            signed = SignedAttestation.Parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            return Reject("not a SignedAttestation: " + e.Message, out reason);
        }
        if (!AttestationSigning.TryOpen(signed, out var attestation, out var validator, out var error)) return Reject(error!, out reason);
        var height = chain.Status.Height;
        if (chain.GetValidatorSet(height + 1)?.Find(validator) is null) return Reject($"{validator} is not a validator", out reason);
        PeerId node;
        try
        {
            node = PeerId.FromBytes(attestation.Node.Span);
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or ArgumentException)
        {
            return Reject("the node is not a peer ID", out reason);
        }
        if (attestation.Height > height + MaxHeightLead || height - Math.Min(height, attestation.Height) > chain.Params.Verification.AttestationWindow)
        {
            reason = $"made at height {attestation.Height}, this ledger is at {height}";
            return ValidationResult.Ignore;
        }
        if (chain.GetNode(node) is null)
        {
            reason = $"node {node} is not registered here (yet)";
            return ValidationResult.Ignore;
        }
        reason = "";
        return ValidationResult.Accept;
    }

    private static ValidationResult Reject(string why, out string reason)
    {
        reason = why;
        return ValidationResult.Reject;
    }
}
