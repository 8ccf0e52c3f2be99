using System.Security.Cryptography;
using Cerebrum.Core.Verification;

namespace Cerebrum.Bench.Verification;

/// <summary>
/// Canaries over many seeds, with real model outputs: each job is one input row through a challenge-model chain (width
/// 128, depth 8). The validator's own run is the CPU reference; an honest node answers with GPU-like rounding (TF32
/// operands, another summation order); a dishonest one, on a share of its jobs, answers with one layer skipped (a
/// cheaper, wrong model). A share of the jobs are canaries, compared within the tolerance calibrated on separate honest
/// runs. Reports how many jobs it takes to catch the dishonest node against what the canary rate predicts (a geometric
/// distribution), and how many honest canaries are flagged (should be none).
/// </summary>
internal static class CanarySimulation
{
    private const int Rows = 4096;
    private const int Width = 128;

    public sealed record Result(
        CanaryTolerance Tolerance,
        double[] JobsToCatch,
        int Uncaught,
        double PredictedMean,
        double PredictedP50,
        double PredictedP90,
        long HonestCanaries,
        long HonestFlags);

    public static Result Run(int seeds, double canaryRate, double wrongRate, int honestJobsPerSeed, int maxJobs)
    {
        var shape = new ChallengeShape(Rows, Width, 8, 4);
        var calibrationModel = new ChallengeModel(RandomNumberGenerator.GetBytes(32), shape);
        var calibrationInputs = calibrationModel.Input();
        var calibration = new List<OutputComparison>();
        for (var row = 0; row < 64; row++)
            calibration.Add(OutputComparison.Of(Own(calibrationModel, row), Tf32.Row(calibrationModel, InputRow(calibrationInputs, row))));
        var tolerance = CanaryTolerance.Calibrate(calibration);

        var caught = new List<double>();
        var uncaught = 0;
        long honestCanaries = 0, honestFlags = 0;
        for (var seed = 0; seed < seeds; seed++)
        {
            var random = new Random(seed);
            var model = new ChallengeModel(SHA256.HashData(BitConverter.GetBytes(seed)), shape);
            var inputs = model.Input();
            var found = false;
            for (var job = 1; job <= maxJobs && !found; job++)
            {
                var wrong = random.NextDouble() < wrongRate;
                if (random.NextDouble() >= canaryRate) continue;
                var row = random.Next(Rows);
                var input = InputRow(inputs, row);
                var answer = wrong ? Tf32.Row(model, input, skipLayer: random.Next(shape.Depth)) : Tf32.Row(model, input);
                if (!tolerance.Accepts(OutputComparison.Of(Own(model, row), answer)))
                {
                    caught.Add(job);
                    found = true;
                }
            }
            if (!found) uncaught++;
            for (var job = 0; job < honestJobsPerSeed; job++)
            {
                if (random.NextDouble() >= canaryRate) continue;
                var row = random.Next(Rows);
                honestCanaries++;
                if (!tolerance.Accepts(OutputComparison.Of(Own(model, row), Tf32.Row(model, InputRow(inputs, row))))) honestFlags++;
            }
        }
        caught.Sort();
        var p = canaryRate * wrongRate;
        return new Result(tolerance, [.. caught], uncaught, 1 / p, Quantile(p, 0.5), Quantile(p, 0.9), honestCanaries, honestFlags);
    }

    /// <summary>The job count by which a geometric(p) first success has come with probability q.</summary>
    private static double Quantile(double p, double q) => Math.Ceiling(Math.Log(1 - q) / Math.Log(1 - p));

    private static float[] InputRow(float[] inputs, int row) => inputs.AsSpan(row * Width, Width).ToArray();

    /// <summary>The validator's own run: the challenge model's CPU reference in double precision.</summary>
    private static float[] Own(ChallengeModel model, int row) => [.. model.ReferenceRow(row).Select(v => (float)v)];
}
