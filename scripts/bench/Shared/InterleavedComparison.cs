using System.Diagnostics;

namespace Cerebrum.Bench;

/// <summary>
/// Two paths measured one request at a time in alternation (A B, then B A, ...), each pair on the same input. On a shared
/// VM the model's run time drifts by more than a millisecond within a minute, so two cells measured one after the other
/// can differ by more than the path adds; alternating request by request puts both paths in the same moments, and the
/// median of the pairs' differences is what one path adds over the other. Run it after both paths are warmed up.
/// </summary>
internal static class InterleavedComparison
{
    public static async Task<InterleavedMeasurement> MeasureAsync(Func<int, Task<TimeSpan>> a, Func<int, Task<TimeSpan>> b, int pairs)
    {
        var latenciesA = new double[pairs];
        var latenciesB = new double[pairs];
        var beyondRunA = new double[pairs];
        var beyondRunB = new double[pairs];
        var differences = new double[pairs];
        for (var p = 0; p < pairs; p++)
        {
            // Alternate which path goes first, so that neither always follows the other's run.
            if (p % 2 == 0)
            {
                (latenciesA[p], beyondRunA[p]) = await TimeAsync(a, p);
                (latenciesB[p], beyondRunB[p]) = await TimeAsync(b, p);
            }
            else
            {
                (latenciesB[p], beyondRunB[p]) = await TimeAsync(b, p);
                (latenciesA[p], beyondRunA[p]) = await TimeAsync(a, p);
            }
            differences[p] = latenciesB[p] - latenciesA[p];
        }
        Array.Sort(latenciesA);
        Array.Sort(latenciesB);
        Array.Sort(beyondRunA);
        Array.Sort(beyondRunB);
        Array.Sort(differences);
        return new InterleavedMeasurement(latenciesA, latenciesB, beyondRunA, beyondRunB, differences);
    }

    private static async Task<(double Latency, double BeyondRun)> TimeAsync(Func<int, Task<TimeSpan>> path, int i)
    {
        var started = Stopwatch.GetTimestamp();
        var run = await path(i);
        var elapsed = Stopwatch.GetElapsedTime(started);
        return (elapsed.TotalMilliseconds, (elapsed - run).TotalMilliseconds);
    }
}

/// <summary>Sorted latencies (ms) of the two paths, sorted latencies beyond the model's run, and the sorted per-pair differences B - A.</summary>
internal sealed record InterleavedMeasurement(double[] LatenciesA, double[] LatenciesB, double[] BeyondRunA, double[] BeyondRunB, double[] Differences)
{
    public double P50A => LatenciesA[LatenciesA.Length / 2];

    public double P50B => LatenciesB[LatenciesB.Length / 2];

    public double BeyondRunP50A => BeyondRunA[BeyondRunA.Length / 2];

    public double BeyondRunP50B => BeyondRunB[BeyondRunB.Length / 2];

    /// <summary>Median over the pairs of B's latency minus A's.</summary>
    public double MedianDifference => Differences[Differences.Length / 2];
}
