using System.Diagnostics;

namespace Cerebrum.Core.Verification;

/// <summary>
/// The verification layer's spans (activity source <see cref="SourceName"/>): one per check a validator makes of a node
/// (<see cref="Check"/>: hardware challenge, latency probe or canary, with the node, kind and verdict as tags) and one per
/// dispute it re-executes (<see cref="Dispute"/>). No listener (tracing off): no span is created.
/// </summary>
public static class VerificationTracing
{
    public const string SourceName = "Cerebrum.Verification";

    public const string Check = "verification.check";

    public const string Dispute = "verification.dispute";

    public const string NodeTag = "cerebrum.node";

    public const string KindTag = "cerebrum.check.kind";

    public const string VerdictTag = "cerebrum.check.verdict";

    public const string DisputeTag = "cerebrum.dispute";

    public static readonly ActivitySource Source = new(SourceName);
}
