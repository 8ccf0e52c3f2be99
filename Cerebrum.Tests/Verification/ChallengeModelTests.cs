using System.Security.Cryptography;
using Cerebrum.Core.Verification;
using Microsoft.ML.OnnxRuntime;

namespace Cerebrum.Tests.Verification;

/// <summary>The challenge's generator and model: fixed known values, ONNX Runtime's output against the CPU reference.</summary>
[TestFixture]
public sealed class ChallengeModelTests
{
    [Test]
    public void Random_IsSplitMix64_FromItsPublishedOutputs()
    {
        // SplitMix64 seeded with 0 gives these first outputs (Steele, Lea and Flood; the reference C code).
        Assert.That(ChallengeRandom.Next(0, 0), Is.EqualTo(0xE220A8397B1DCDAFUL));
        Assert.That(ChallengeRandom.Next(0, 1), Is.EqualTo(0x6E789E6AA1B965F4UL));
        Assert.That(ChallengeRandom.Next(0, 2), Is.EqualTo(0x06C45D188009454FUL));
    }

    [Test]
    public void Uniform_StaysInRange_WithMeanNearZero()
    {
        var values = new float[100_000];
        ChallengeRandom.Fill(42, 0, 0.5f, values);
        Assert.That(values.Min(), Is.GreaterThanOrEqualTo(-0.5f));
        Assert.That(values.Max(), Is.LessThan(0.5f));
        Assert.That(values.Average(), Is.InRange(-0.005, 0.005));
        var single = new float[1];
        ChallengeRandom.Fill(42, 777, 0.5f, single);
        Assert.That(single[0], Is.EqualTo(values[777]), "counter-based: any element on its own");
    }

    [Test]
    public void OnnxRuntime_ComputesEveryRowAsTheCpuReference()
    {
        var shape = new ChallengeShape(Rows: 12, Width: 64, Depth: 9, DistinctWeights: 3);
        var model = new ChallengeModel(RandomNumberGenerator.GetBytes(32), shape);
        var input = model.Input();
        using var session = new InferenceSession(model.BuildOnnx());
        using var value = OrtValue.CreateTensorValueFromMemory(input, [shape.Rows, shape.Width]);
        using var outputs = session.Run(new RunOptions(), [ChallengeModel.InputName], [value], [ChallengeModel.OutputName]);
        var output = outputs[0].GetTensorDataAsSpan<float>().ToArray();

        for (var r = 0; r < shape.Rows; r++)
        {
            var reference = model.ReferenceRow(r);
            Assert.That(HardwareChallenge.RelativeError(output.AsSpan(r * shape.Width, shape.Width), reference), Is.LessThan(1e-5), $"row {r}");
            var norm = Math.Sqrt(reference.Sum(v => v * v));
            Assert.That(norm, Is.InRange(0.5, 20), "the scaled weights keep rows near the input's norm (about 4.6 for width 64)");
        }
        Assert.That(model.Order.Distinct().Count(), Is.GreaterThan(1), "the layers use several weights");
    }

    [Test]
    public void DifferentSeeds_GiveDifferentModels_AndTheSameSeedTheSameBytes()
    {
        var shape = new ChallengeShape(4, 16, 4, 2);
        var seed = RandomNumberGenerator.GetBytes(32);
        var first = new ChallengeModel(seed, shape).BuildOnnx();
        var second = new ChallengeModel(seed, shape).BuildOnnx();
        Assert.That(second, Is.EqualTo(first));
        Assert.That(new ChallengeModel(RandomNumberGenerator.GetBytes(32), shape).ReferenceRow(0), Is.Not.EqualTo(new ChallengeModel(seed, shape).ReferenceRow(0)));
    }

    [Test]
    public void ShapesOutOfTheLimits_AreRefused()
    {
        Assert.That(new ChallengeShape(1, 4, 1, 1).Problem(), Does.Contain("width"));
        Assert.That(new ChallengeShape(1, 64, 2, 3).Problem(), Does.Contain("distinct weights"));
        Assert.That(new ChallengeShape(ChallengeShape.MaxRows, 8192, 1, 1).Problem(), Does.Contain("output"));
        Assert.Throws<FormatException>(() => ChallengeShape.FromMessage(null));
        Assert.Throws<FormatException>(() => ChallengeShape.FromMessage(new ChallengeShape(1, 64, 300, 1).ToMessage()));
    }
}
