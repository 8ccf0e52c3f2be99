using System.Diagnostics;

namespace Cerebrum.Bench;

/// <summary>
/// A closed-loop load shared by the inference and gateway benchmarks: one worker function per concurrent client, each
/// returning the model's own run time for request <c>i</c> (so that what the path adds beyond the run can be told
/// apart from the run's spread). The workers first warm up in rounds of at least <see cref="QuietRound"/> until a round
/// leaves the JIT (nearly) idle, at most for <see cref="WarmUpLimit"/> (as on a node that has been serving for a while:
/// with a fixed short warm-up the node path went on compiling about 1,500 methods while measured), then run
/// <c>total</c> measured requests.
/// </summary>
internal static class ClosedLoopLoad
{
    /// <summary>Longest warm-up of one cell.</summary>
    public static readonly TimeSpan WarmUpLimit = TimeSpan.FromSeconds(30);

    /// <summary>Shortest warm-up round: longer than the JIT's tiering delay (100 ms), so that a quiet round means tiered up.</summary>
    public static readonly TimeSpan QuietRound = TimeSpan.FromMilliseconds(500);

    /// <summary>A warm-up round that compiled at most this many methods ends the warm-up.</summary>
    public const int QuietRoundMethods = 2;

    public static async Task<LoadMeasurement> MeasureAsync(IReadOnlyList<Func<int, Task<TimeSpan>>> workers, int minimumWarmUp, int total)
    {
        var warmUp = Stopwatch.StartNew();
        var warmUpRequests = await RunAsync(workers, Math.Max(minimumWarmUp, workers.Count), null, null);
        while (warmUp.Elapsed < WarmUpLimit)
        {
            var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
            warmUpRequests += await RunAsync(workers, 4 * workers.Count, null, null, QuietRound);
            if (System.Runtime.JitInfo.GetCompiledMethodCount() - compiled <= QuietRoundMethods) break;
        }
        warmUp.Stop();
        var latencies = new double[total];
        var beyondRun = new double[total];
        var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        await RunAsync(workers, total, latencies, beyondRun);
        wall.Stop();
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        jitted = System.Runtime.JitInfo.GetCompiledMethodCount() - jitted;
        Array.Sort(latencies);
        Array.Sort(beyondRun);
        return new LoadMeasurement(latencies, beyondRun, wall.Elapsed, cpu, jitted, warmUpRequests, warmUp.Elapsed);
    }

    // At least `count` requests, and for warm-up rounds at least `minimum` long.
    private static async Task<int> RunAsync(IReadOnlyList<Func<int, Task<TimeSpan>>> workers, int count, double[]? record, double[]? recordBeyondRun,
        TimeSpan minimum = default)
    {
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(workers.Select(work => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count || (record is null && clock.Elapsed < minimum))
            {
                var started = Stopwatch.GetTimestamp();
                var run = await work(i);
                var elapsed = Stopwatch.GetElapsedTime(started);
                record?[i] = elapsed.TotalMilliseconds;
                recordBeyondRun?[i] = (elapsed - run).TotalMilliseconds;
            }
        })));
        return next - workers.Count + 1;
    }
}

/// <summary>
/// Sorted latencies in ms, sorted latencies beyond the model's run, wall time and process CPU of the measured part, the
/// methods the JIT compiled during it (non-zero: the warm-up was too short), and the warm-up's size and length.
/// </summary>
internal sealed record LoadMeasurement(double[] Latencies, double[] BeyondRun, TimeSpan Wall, TimeSpan Cpu, long Jitted, int WarmUpRequests, TimeSpan WarmUp)
{
    public double P50 => Latencies[Latencies.Length / 2];

    public double P99 => Latencies[Math.Min(Latencies.Length - 1, (int)(Latencies.Length * 0.99))];

    public double BeyondRunP50 => BeyondRun[BeyondRun.Length / 2];

    public double RequestsPerSecond => Latencies.Length / Wall.TotalSeconds;

    public double CpuMsPerRequest => Cpu.TotalMilliseconds / Latencies.Length;
}
