namespace Cerebrum.Core.Verification;

/// <summary>How a hardware challenge ended, as the validator judged it.</summary>
public enum ChallengeVerdict
{
    /// <summary>Correct rows, in time, at a throughput near enough to the claim.</summary>
    Passed = 1,

    /// <summary>An opened row differs from the validator's recomputation beyond the tolerance.</summary>
    WrongOutput = 2,

    /// <summary>The result came after the deadline, or the measured throughput is too far below the claim.</summary>
    TooSlow = 3,

    /// <summary>No result before the deadline (or the node refused or went away).</summary>
    Unanswered = 4,

    /// <summary>A malformed message, a proof that does not lead to the committed root, or a bad transcript signature.</summary>
    BadAnswer = 5,
}
