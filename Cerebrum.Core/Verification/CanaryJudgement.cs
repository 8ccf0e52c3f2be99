namespace Cerebrum.Core.Verification;

/// <summary>A canary's verdict: whether the node's outputs matched the validator's own run, the worst comparison, and why.</summary>
public sealed record CanaryJudgement(bool Passed, OutputComparison Worst, string Detail);
