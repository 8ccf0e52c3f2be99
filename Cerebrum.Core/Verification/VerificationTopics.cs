namespace Cerebrum.Core.Verification;

/// <summary>The verification layer's gossipsub topic (StrictNoSign: its payloads carry their validators' signatures).</summary>
public static class VerificationTopics
{
    /// <summary>Validators' <see cref="Chain.Proto.SignedAttestation"/>s, as they make them; validators publish.</summary>
    public const string Attestations = "cerebrum/1/attestations";
}
