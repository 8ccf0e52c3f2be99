using Cerebrum.Core.Verification;

namespace Cerebrum.Tests.Verification;

/// <summary>Output comparison and calibrated canary tolerances; region claims against the light-in-fibre bound.</summary>
[TestFixture]
public sealed class CanaryAndRegionTests
{
    [Test]
    public void Comparison_IsCosineAndRelativeL2()
    {
        var same = OutputComparison.Of([3f, 4f], [3f, 4f]);
        Assert.That(same.Cosine, Is.EqualTo(1).Within(1e-12));
        Assert.That(same.RelativeL2, Is.Zero);
        var scaled = OutputComparison.Of([3f, 4f], [6f, 8f]);
        Assert.That(scaled.Cosine, Is.EqualTo(1).Within(1e-12), "same direction");
        Assert.That(scaled.RelativeL2, Is.EqualTo(1).Within(1e-12), "twice the length: off by its own norm");
        var orthogonal = OutputComparison.Of([1f, 0f], [0f, 1f]);
        Assert.That(orthogonal.Cosine, Is.Zero);
        Assert.That(orthogonal.RelativeL2, Is.EqualTo(Math.Sqrt(2)).Within(1e-12));
        Assert.That(OutputComparison.Of([1f, 2f], [1f]).RelativeL2, Is.EqualTo(double.PositiveInfinity), "another shape");
        Assert.That(OutputComparison.Of([1f, 2f], [1f, float.NaN]).Cosine, Is.EqualTo(-1), "NaN is never an answer");
    }

    [Test]
    public void Calibration_AllowsFourTimesTheWorstHonestDifference_AndRejectsAWrongAnswer()
    {
        var random = new Random(3);
        var honest = new List<OutputComparison>();
        double worst = 0;
        for (var i = 0; i < 50; i++)
        {
            var own = Enumerable.Range(0, 384).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            var varied = own.Select(v => v * (1 + (float)(random.NextDouble() - 0.5) * 2e-4f)).ToArray();
            var comparison = OutputComparison.Of(own, varied);
            worst = Math.Max(worst, comparison.RelativeL2);
            honest.Add(comparison);
        }

        var tolerance = CanaryTolerance.Calibrate(honest);

        Assert.That(tolerance.MaxRelativeL2, Is.EqualTo(worst * CanaryTolerance.Margin).Within(1e-15));
        Assert.That(honest.All(tolerance.Accepts), Is.True);
        var answer = Enumerable.Range(0, 384).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var wrong = answer.Select(v => v + (float)(random.NextDouble() - 0.5) * 0.05f).ToArray();
        Assert.That(tolerance.Accepts(OutputComparison.Of(answer, wrong)), Is.False, "a 5 % perturbation is far outside");
        Assert.That(CanaryTolerance.Calibrate([OutputComparison.Of([1f], [1f])]).MaxRelativeL2, Is.EqualTo(CanaryTolerance.Floor), "bit-identical runs still allow float32 rounding");
    }

    [Test]
    public void ARegionClaim_IsRefutedOnlyWhenTheRoundTripIsShorterThanLightInFibreAllows()
    {
        var frankfurt = new GeoPoint(50.1, 8.7);
        // Tokyo's region edge is about 8,100 km from Frankfurt: at least 81 ms there and back in fibre.
        Assert.That(RegionCatalog.Refutes(frankfurt, "ap-northeast", TimeSpan.FromMilliseconds(2), out var distance, out var reach), Is.True);
        Assert.That(distance, Is.GreaterThan(7_000));
        Assert.That(reach, Is.EqualTo(200).Within(1e-9));
        Assert.That(RegionCatalog.Refutes(frankfurt, "ap-northeast", TimeSpan.FromMilliseconds(250), out _, out _), Is.False, "slow enough to be there");
        Assert.That(RegionCatalog.Refutes(frankfurt, "eu-central", TimeSpan.FromMilliseconds(0.2), out _, out _), Is.False, "inside the claimed region");
        Assert.That(RegionCatalog.Refutes(frankfurt, "geo:48.85,2.35", TimeSpan.FromMilliseconds(1), out _, out _), Is.True, "Paris is about 480 km away");
        Assert.That(RegionCatalog.Refutes(frankfurt, "somewhere-unknown", TimeSpan.Zero, out _, out _), Is.False, "an unknown region cannot be refuted");
        Assert.That(GeoPoint.TryParse("91,0", out _), Is.False);
        Assert.That(GeoPoint.DistanceKm(new GeoPoint(0, 0), new GeoPoint(0, 180)), Is.EqualTo(Math.PI * 6_371).Within(1));
    }
}
