using System.Diagnostics;
using System.Security.Cryptography;
using Cerebrum.Core.Verification;
using Microsoft.ML.OnnxRuntime;

namespace Cerebrum.Bench.Verification;

/// <summary>
/// A node's capacity with the validators' checks running against without, in the same run: a closed loop of inference
/// jobs (one ONNX model, as many workers as cores) measured in alternating windows (A B B A), with and without hardware challenges
/// sized for this machine's throughput (as validators size them from the node's claim) arriving at random at the rate
/// that keeps them to the policy's share of the node's time. Reports each kind of window's median jobs per second.
/// </summary>
internal static class CapacityBench
{
    public sealed record Result(double JobsPerSecondWithout, double JobsPerSecondWith, int Challenges, TimeSpan ChallengeMedian, ulong ClaimMflops, ChallengeShape Shape,
        IReadOnlyList<double> WindowsWithout, IReadOnlyList<double> WindowsWith);

    public static Result Run(int windows, TimeSpan window, double share)
    {
        var claim = ChallengeBenchmark.MeasureMflops(ChallengeDevice.Cpu, ChallengeBenchmark.ShapeFor(gpu: false));
        var policy = new ChallengePolicy();
        var challengeShape = policy.ShapeFor(claim, gpu: false);
        var served = new ChallengeModel(RandomNumberGenerator.GetBytes(32), new ChallengeShape(32, 256, 8, 4));
        using var session = new InferenceSession(served.BuildOnnx());
        var input = served.Input();
        var without = new List<double>();
        var with = new List<double>();
        var challengeTimes = new List<double>();
        for (var w = 0; w < windows * 2; w++)
        {
            // A B B A: windows with and without checks sit at the same mean time, so a drift in what the shared
            // machine leaves us (other processes starting or ending) does not favour either kind.
            var checking = w % 4 is 1 or 2;
            var (jobs, elapsed, checks) = Window(session, input, served.Shape, window, checking ? challengeShape : null, claim, share, policy);
            (checking ? with : without).Add(jobs / elapsed.TotalSeconds);
            challengeTimes.AddRange(checks);
            Console.Error.WriteLine($"capacity window {w + 1}/{windows * 2} {(checking ? "with" : "without")} checks: {jobs / elapsed.TotalSeconds:0.0} jobs/s{(checking ? $", {checks.Count} challenge(s)" : "")}");
        }
        var inOrder = (Without: without.ToList(), With: with.ToList());
        without.Sort();
        with.Sort();
        challengeTimes.Sort();
        return new Result(without[without.Count / 2], with[with.Count / 2], challengeTimes.Count,
            TimeSpan.FromMilliseconds(challengeTimes.Count == 0 ? 0 : challengeTimes[challengeTimes.Count / 2]), claim, challengeShape, inOrder.Without, inOrder.With);
    }

    private static (long Jobs, TimeSpan Elapsed, List<double> Checks) Window(InferenceSession session, float[] input, ChallengeShape shape, TimeSpan length,
        ChallengeShape? challenge, ulong claim, double share, ChallengePolicy policy)
    {
        using var stop = new CancellationTokenSource(length);
        long jobs = 0;
        var workers = Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new Thread(() =>
        {
            using var value = OrtValue.CreateTensorValueFromMemory(input, [shape.Rows, shape.Width]);
            using var options = new RunOptions();
            while (!stop.IsCancellationRequested)
            {
                using var outputs = session.Run(options, [ChallengeModel.InputName], [value], [ChallengeModel.OutputName]);
                Interlocked.Increment(ref jobs);
            }
        })).ToList();
        var checks = new List<double>();
        var clock = Stopwatch.StartNew();
        workers.ForEach(t => t.Start());
        if (challenge is not null)
        {
            // Poisson arrivals: mean interval = the challenge's claimed time / share.
            var meanInterval = policy.TargetDuration / share;
            var random = new Random(17);
            var next = meanInterval * -Math.Log(1 - random.NextDouble());
            while (!stop.IsCancellationRequested)
            {
                if (clock.Elapsed < next)
                {
                    stop.Token.WaitHandle.WaitOne(next - clock.Elapsed);
                    continue;
                }
                var started = Stopwatch.GetTimestamp();
                ChallengeSolution.Run(new ChallengeModel(RandomNumberGenerator.GetBytes(32), challenge), ChallengeDevice.Cpu);
                checks.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                next += meanInterval * -Math.Log(1 - random.NextDouble());
            }
        }
        workers.ForEach(t => t.Join());
        return (Interlocked.Read(ref jobs), clock.Elapsed, checks);
    }
}
