namespace Cerebrum.Core.Verification;

/// <summary>What a node accepts from one challenge, so that no validator can make it run (or hold) more than this.</summary>
/// <param name="MaxOperations">Operations of the largest model it runs (its claimed throughput times <paramref name="LongestRun"/>).</param>
/// <param name="LongestRun">The longest run it grants at its claimed throughput.</param>
public sealed record ChallengeLimits(double MaxOperations, TimeSpan LongestRun, long MaxOutputBytes = 256L * 1024 * 1024)
{
    /// <summary>A claim of <paramref name="claimedMflops"/> for at most <paramref name="longestRun"/>.</summary>
    public static ChallengeLimits ForClaim(ulong claimedMflops, TimeSpan longestRun) => new(claimedMflops * 1e6 * longestRun.TotalSeconds, longestRun);
}
