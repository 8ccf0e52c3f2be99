namespace Cerebrum.Core.Chain.Blocks;

/// <summary>
/// Block times: Unix milliseconds, set by the proposer (PBTS: timely on the validators' clocks, see
/// <see cref="Consensus.SynchronyParams"/>), strictly increasing, and never beyond <see cref="MaxUnixMs"/> (the year
/// 3000), far inside what <see cref="DateTimeOffset"/> represents, so that a block time plus any delay the chain adds
/// (at most 10 years of unbonding or jail) can always be computed and shown.
/// </summary>
public static class BlockTime
{
    /// <summary>3000-01-01T00:00:00Z.</summary>
    public const long MaxUnixMs = 32_503_680_000_000;

    /// <summary>True when <paramref name="unixMs"/> is a time a block may carry (from 1970 to the year 3000).</summary>
    public static bool IsInRange(long unixMs) => unixMs is >= 0 and <= MaxUnixMs;

    /// <summary>The time for display; a value outside the range (only possible in a store written before the bound) is clamped, never thrown on.</summary>
    public static DateTimeOffset ToDateTimeOffset(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(unixMs, 0, MaxUnixMs));
}
