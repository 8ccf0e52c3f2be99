using System.Security.Cryptography;

namespace Cerebrum.Core.Verification;

/// <summary>
/// Measures this machine's throughput on challenge models, as validators will: what a node should claim at registration
/// (claiming more fails the validators' checks; claiming less wastes the node's score against its class).
/// </summary>
public static class ChallengeBenchmark
{
    /// <summary>The shape measured on a CPU (about 1 GFLOP a run) and on a GPU (about 69 GFLOP).</summary>
    public static ChallengeShape ShapeFor(bool gpu) => gpu ? new ChallengeShape(2048, 1024, 16, 4) : new ChallengeShape(512, 256, 16, 4);

    /// <summary>The median of <paramref name="runs"/> runs' throughput in MFLOPS (each run a fresh seed, timed from model generation to the output root, as a node answers).</summary>
    public static ulong MeasureMflops(ChallengeDevice device, ChallengeShape shape, int runs = 3, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        var rates = new List<double>(runs);
        for (var i = 0; i < runs; i++)
        {
            var solution = ChallengeSolution.Run(new ChallengeModel(RandomNumberGenerator.GetBytes(32), shape), device, ct);
            rates.Add(shape.Operations / Math.Max(solution.ComputeTime.TotalSeconds, 1e-6) / 1e6);
        }
        rates.Sort();
        return (ulong)rates[rates.Count / 2];
    }
}
