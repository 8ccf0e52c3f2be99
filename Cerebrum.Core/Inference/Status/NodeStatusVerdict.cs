using Cerebrum.Core.PubSub;

namespace Cerebrum.Core.Inference.Status;

/// <summary>What <see cref="NodeStatusValidator"/> made of a payload: the gossip verdict, why, and the status when accepted.</summary>
public sealed record NodeStatusVerdict(ValidationResult Result, string Reason, VerifiedNodeStatus? Status)
{
    public static NodeStatusVerdict Reject(string reason) => new(ValidationResult.Reject, reason, null);

    public static NodeStatusVerdict Ignore(string reason) => new(ValidationResult.Ignore, reason, null);

    public static NodeStatusVerdict Accept(VerifiedNodeStatus status) => new(ValidationResult.Accept, "valid", status);
}
