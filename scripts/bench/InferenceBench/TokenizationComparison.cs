using System.Diagnostics;
using Cerebrum.Core.Inference.Embedding;

namespace Cerebrum.Bench.Inference;

/// <summary>
/// Tokenization cost per text of two tokenizers on the same texts, measured in alternation: a block of the previous
/// tokenizer, a block of the current one, then the other way round, each block about a millisecond, so that both see the
/// same moments of a shared machine. The median over the blocks of each, and the median of the blocks' paired ratios.
/// Blocks are timed in the thread's CPU time where the OS gives it (Linux), so that a block the scheduler preempts on a
/// busy machine does not count the time other processes ran.
/// </summary>
internal static partial class TokenizationComparison
{
    private static readonly TimeSpan BlockTarget = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan WarmUpLimit = TimeSpan.FromSeconds(20);

    public static (double PreviousUs, double CurrentUs, double Ratio) Measure(ITextTokenizer previous, ITextTokenizer current, IReadOnlyList<string> texts, int maxTokens, int rounds)
    {
        // Warm up both until the JIT is quiet (the tier-1 code of both is in place; on a busy machine the background
        // compiler is slow to get there), then size a block to about a millisecond of the slower one.
        var warm = Stopwatch.StartNew();
        var quietRounds = 0;
        while (warm.Elapsed < WarmUpLimit && quietRounds < 3)
        {
            var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
            var round = Stopwatch.StartNew();
            while (round.Elapsed < TimeSpan.FromMilliseconds(250))
            {
                Run(previous, texts, maxTokens, 1);
                Run(current, texts, maxTokens, 1);
            }
            quietRounds = System.Runtime.JitInfo.GetCompiledMethodCount() == compiled ? quietRounds + 1 : 0;
        }
        var repeats = 1;
        while (Math.Max(Run(previous, texts, maxTokens, repeats), Run(current, texts, maxTokens, repeats)) * texts.Count * repeats < BlockTarget.TotalMicroseconds && repeats < 1 << 20)
            repeats *= 2;
        var a = new double[rounds];
        var b = new double[rounds];
        var ratios = new double[rounds];
        for (var r = 0; r < rounds; r++)
        {
            if (r % 2 == 0)
            {
                a[r] = Run(previous, texts, maxTokens, repeats);
                b[r] = Run(current, texts, maxTokens, repeats);
            }
            else
            {
                b[r] = Run(current, texts, maxTokens, repeats);
                a[r] = Run(previous, texts, maxTokens, repeats);
            }
            ratios[r] = b[r] / a[r];
        }
        return (Median(a), Median(b), Median(ratios));
    }

    /// <summary>Microseconds per text of <paramref name="repeats"/> passes over <paramref name="texts"/>.</summary>
    private static double Run(ITextTokenizer tokenizer, IReadOnlyList<string> texts, int maxTokens, int repeats)
    {
        var started = ThreadCpuMicroseconds();
        var tokens = 0;
        for (var k = 0; k < repeats; k++)
            foreach (var text in texts) tokens += tokenizer.Encode(text, maxTokens).Length;
        var elapsed = ThreadCpuMicroseconds() - started;
        if (tokens == 0) throw new InvalidOperationException("no tokens");
        return elapsed / (repeats * texts.Count);
    }

    /// <summary>This thread's CPU time on Linux (CLOCK_THREAD_CPUTIME_ID), wall time elsewhere, in microseconds.</summary>
    public static double ThreadCpuMicroseconds()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ThreadCpuClock, out var now) == 0)
            return now.Seconds * 1e6 + now.Nanoseconds / 1e3;
        return Stopwatch.GetTimestamp() * 1e6 / Stopwatch.Frequency;
    }

    /// <summary>Whether blocks are timed in CPU time.</summary>
    public static bool CountsCpuTime => OperatingSystem.IsLinux() && ClockGetTime(ThreadCpuClock, out _) == 0;

    private const int ThreadCpuClock = 3;

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
