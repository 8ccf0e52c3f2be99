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
        var (warmUpRequests, warmUp) = await WarmUpAsync(workers, minimumWarmUp);
        var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
        var block = await MeasureBlockAsync(workers, total);
        jitted = System.Runtime.JitInfo.GetCompiledMethodCount() - jitted;
        return Combine([block], jitted, warmUpRequests, warmUp);
    }

    /// <summary>
    /// Two paths under the same closed-loop load, measured in alternating blocks (A B, B A, ...) of total / rounds
    /// requests each, after both are warmed up: throughput on a shared VM drifts by tens of percent within a minute, and
    /// alternating puts both paths in the same minutes. Each path's figures pool its own blocks.
    /// </summary>
    /// <param name="enter">When given, called (outside the timing) before each warm-up and block with true for A and false for B: to switch
    /// one process between two settings (tracing off and on) that the paths are.</param>
    public static async Task<(LoadMeasurement A, LoadMeasurement B)> MeasureAlternatingAsync(
        IReadOnlyList<Func<int, Task<TimeSpan>>> a, IReadOnlyList<Func<int, Task<TimeSpan>>> b, int minimumWarmUp, int total, int rounds, Func<bool, Task>? enter = null)
    {
        var measured = await MeasureRotatingAsync([a, b], minimumWarmUp, total, rounds, enter is null ? null : path => enter(path == 0));
        return (measured[0], measured[1]);
    }

    /// <summary>
    /// Several paths under the same closed-loop load, after all are warmed up, in blocks of total / rounds requests, every
    /// path once per round, in order in even rounds and in reverse order in odd ones (A B C, C B A, ...): with two paths,
    /// <see cref="MeasureAlternatingAsync"/>. Each path's figures pool its own blocks.
    /// </summary>
    /// <param name="enter">When given, called (outside the timing) with the path's index before its warm-up and each of its blocks.</param>
    public static async Task<LoadMeasurement[]> MeasureRotatingAsync(
        IReadOnlyList<IReadOnlyList<Func<int, Task<TimeSpan>>>> paths, int minimumWarmUp, int total, int rounds, Func<int, Task>? enter = null)
    {
        enter ??= _ => Task.CompletedTask;
        var warmUps = new (int Requests, TimeSpan Elapsed)[paths.Count];
        for (var p = 0; p < paths.Count; p++)
        {
            await enter(p);
            warmUps[p] = await WarmUpAsync(paths[p], minimumWarmUp);
        }
        var blocks = paths.Select(_ => new List<Block>()).ToArray();
        var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
        var perBlock = Math.Max(1, total / rounds);
        for (var r = 0; r < rounds; r++)
        {
            for (var k = 0; k < paths.Count; k++)
            {
                var p = r % 2 == 0 ? k : paths.Count - 1 - k;
                await enter(p);
                blocks[p].Add(await MeasureBlockAsync(paths[p], perBlock));
            }
        }
        jitted = System.Runtime.JitInfo.GetCompiledMethodCount() - jitted;
        return [.. blocks.Select((b, p) => Combine(b, jitted, warmUps[p].Requests, warmUps[p].Elapsed))];
    }

    private static async Task<(int Requests, TimeSpan Elapsed)> WarmUpAsync(IReadOnlyList<Func<int, Task<TimeSpan>>> workers, int minimumWarmUp)
    {
        var warmUp = Stopwatch.StartNew();
        var warmUpRequests = await RunAsync(workers, Math.Max(minimumWarmUp, workers.Count), null, null);
        while (warmUp.Elapsed < WarmUpLimit)
        {
            var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
            warmUpRequests += await RunAsync(workers, 4 * workers.Count, null, null, QuietRound);
            if (System.Runtime.JitInfo.GetCompiledMethodCount() - compiled <= QuietRoundMethods) break;
        }
        return (warmUpRequests, warmUp.Elapsed);
    }

    private sealed record Block(double[] Latencies, double[] BeyondRun, TimeSpan Wall, TimeSpan Cpu);

    private static async Task<Block> MeasureBlockAsync(IReadOnlyList<Func<int, Task<TimeSpan>>> workers, int total)
    {
        var latencies = new double[total];
        var beyondRun = new double[total];
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        await RunAsync(workers, total, latencies, beyondRun);
        wall.Stop();
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        return new Block(latencies, beyondRun, wall.Elapsed, cpu);
    }

    private static LoadMeasurement Combine(IReadOnlyList<Block> blocks, long jitted, int warmUpRequests, TimeSpan warmUp)
    {
        double[] latencies = [.. blocks.SelectMany(b => b.Latencies)];
        double[] beyondRun = [.. blocks.SelectMany(b => b.BeyondRun)];
        Array.Sort(latencies);
        Array.Sort(beyondRun);
        var wall = blocks.Aggregate(TimeSpan.Zero, (sum, b) => sum + b.Wall);
        var cpu = blocks.Aggregate(TimeSpan.Zero, (sum, b) => sum + b.Cpu);
        return new LoadMeasurement(latencies, beyondRun, wall, cpu, jitted, warmUpRequests, warmUp);
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
