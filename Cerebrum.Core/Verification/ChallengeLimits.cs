namespace Cerebrum.Core.Verification;

/// <summary>What a node accepts from one challenge, so that no validator can make it run (or hold) more than this.</summary>
/// <param name="MaxOperations">Operations of the largest model it runs (its claimed throughput times the longest run it grants).</param>
public sealed record ChallengeLimits(double MaxOperations, long MaxOutputBytes = 256L * 1024 * 1024)
{
    /// <summary>A claim of <paramref name="claimedMflops"/> for at most <paramref name="longestRun"/>.</summary>
    public static ChallengeLimits ForClaim(ulong claimedMflops, TimeSpan longestRun) => new(claimedMflops * 1e6 * longestRun.TotalSeconds);
}
