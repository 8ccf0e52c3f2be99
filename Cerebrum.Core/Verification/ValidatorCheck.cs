using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Verification;

/// <summary>
/// One check this validator ran on a node (a hardware challenge, a latency probe, a canary job, a receipt's
/// re-execution), as its operator sees it: the attestation it signed from it (verdict and figures), or, when the check
/// could not finish, why. <paramref name="Time"/> is the validator's clock when the check ended.
/// </summary>
public sealed record ValidatorCheck(DateTimeOffset Time, PeerId Node, CheckKind Kind, Attestation? Attestation, string? Error = null);
