namespace Cerebrum.Core.Verification;

/// <summary>
/// A model's tolerance for canary comparisons, set by calibration rather than guessed: the validator runs calibration
/// inputs under the numeric variations an honest node may have (another execution provider's summation order, graph
/// optimizations on or off, other thread counts, reduced-precision operands), measures the worst honest distance, and
/// allows <see cref="Margin"/> times that (never tighter than <see cref="Floor"/>). A wrong answer sits orders of
/// magnitude beyond.
/// </summary>
public sealed record CanaryTolerance(double MaxRelativeL2, double MinCosine)
{
    /// <summary>How much headroom over the worst honest difference seen in calibration.</summary>
    public const double Margin = 4;

    /// <summary>The tightest tolerance ever used: float32 rounding alone reaches about 1e-7.</summary>
    public const double Floor = 1e-5;

    public bool Accepts(OutputComparison comparison) => comparison.RelativeL2 <= MaxRelativeL2 && comparison.Cosine >= MinCosine;

    /// <summary>The tolerance from honest pairs of outputs (own run, varied run) of the calibration inputs.</summary>
    public static CanaryTolerance Calibrate(IEnumerable<OutputComparison> honest)
    {
        double worstL2 = 0, worstCosineGap = 0;
        var count = 0;
        foreach (var comparison in honest)
        {
            worstL2 = Math.Max(worstL2, comparison.RelativeL2);
            worstCosineGap = Math.Max(worstCosineGap, 1 - comparison.Cosine);
            count++;
        }
        if (count == 0) throw new ArgumentException("calibration needs at least one honest comparison", nameof(honest));
        // For small differences 1 - cos is about relL2^2 / 2, so the cosine bound is at least what the L2 bound implies.
        var maxL2 = Math.Max(Floor, worstL2 * Margin);
        var cosineGap = Math.Max(worstCosineGap * Margin, maxL2 * maxL2 / 2);
        return new CanaryTolerance(maxL2, 1 - cosineGap);
    }
}
