using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;
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
    public void Tf32Rounding_KeepsTenMantissaBits()
    {
        Assert.That(CanaryReference.RoundToTf32(1f), Is.EqualTo(1f));
        var rounded = CanaryReference.RoundToTf32(1.0001f);
        Assert.That(rounded, Is.EqualTo(1f), "1.0001 is within half a TF32 step (2^-10) of 1");
        Assert.That(CanaryReference.RoundToTf32(1f + 1f / 1024), Is.EqualTo(1f + 1f / 1024), "a TF32 step survives");
        Assert.That(BitConverter.SingleToUInt32Bits(CanaryReference.RoundToTf32(3.14159f)) & 0x1FFFu, Is.Zero);
        Assert.That(float.IsNaN(CanaryReference.RoundToTf32(float.NaN)), Is.True);
    }

    [Test]
    public void CanaryInputs_FollowTheSignature_AndTheSeed()
    {
        var model = new ModelInfo("sha256:" + new string('0', 64), "m", 0, 8, 13,
            [new TensorSignature("x", TensorDataType.Float32, [-1, 3], ["batch", ""]),
             new TensorSignature("input_ids", TensorDataType.Int64, [1, -1], ["", "sequence"]),
             new TensorSignature("attention_mask", TensorDataType.Int64, [1, -1], ["", "sequence"])],
            [new TensorSignature("y", TensorDataType.Float32, [-1, 3], ["batch", ""])], "", null, DateTimeOffset.UnixEpoch);

        var inputs = CanaryInputs.Create(model, 5)!;

        Assert.That(inputs[0].Shape, Is.EqualTo(new long[] { 1, 3 }), "a dynamic batch of one");
        Assert.That(inputs[0].ToFloats().All(v => v is >= -1 and < 1), Is.True);
        Assert.That(inputs[1].Shape, Is.EqualTo(new long[] { 1, CanaryInputs.DynamicLength }));
        Assert.That(inputs[1].ToInt64s().All(v => v is >= 1000 and < 2000), Is.True, "token ids inside any BERT vocabulary");
        Assert.That(inputs[2].ToInt64s().All(v => v == 1), Is.True, "masks are all ones");
        Assert.That(CanaryInputs.Create(model, 5)![0].ToFloats(), Is.EqualTo(inputs[0].ToFloats()), "the same seed draws the same job");
        Assert.That(CanaryInputs.Create(model, 6)![0].ToFloats(), Is.Not.EqualTo(inputs[0].ToFloats()));
        var strings = model with { Inputs = [new TensorSignature("s", TensorDataType.Float16, [1], [""])] };
        Assert.That(CanaryInputs.Create(strings, 1), Is.Null, "no canaries for inputs it cannot draw");
    }

    [Test]
    public void AJudgement_ComparesEveryOutput_FloatsWithinTheTolerance_OthersExactly()
    {
        var tolerance = new CanaryTolerance(1e-3, 1 - 1e-6);
        var own = new[] { Tensor.FromFloats("y", [2], [1f, 2f]), Tensor.FromInt64s("label", [1], [7]) };

        Assert.That(CanaryReference.Judge(own, [Tensor.FromFloats("y", [2], [1.0001f, 2f]), Tensor.FromInt64s("label", [1], [7])], tolerance).Passed, Is.True);
        Assert.That(CanaryReference.Judge(own, [Tensor.FromFloats("y", [2], [1.1f, 2f]), Tensor.FromInt64s("label", [1], [7])], tolerance).Passed, Is.False, "10 % off");
        Assert.That(CanaryReference.Judge(own, [Tensor.FromFloats("y", [2], [1f, 2f]), Tensor.FromInt64s("label", [1], [8])], tolerance).Passed, Is.False, "a label is exact");
        Assert.That(CanaryReference.Judge(own, [Tensor.FromFloats("y", [2], [1f, 2f])], tolerance).Detail, Does.Contain("label missing"));
        Assert.That(CanaryReference.Judge(own, [Tensor.FromFloats("y", [1, 2], [1f, 2f]), Tensor.FromInt64s("label", [1], [7])], tolerance).Passed, Is.False, "another shape");
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
