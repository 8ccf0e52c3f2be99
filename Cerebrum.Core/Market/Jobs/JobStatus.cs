namespace Cerebrum.Core.Market.Jobs;

/// <summary>
/// A batch job's progress: inputs in all, already in the results file at submission, done and failed since, in flight,
/// micro-CER spent, and the nodes it ran inputs on since its daemon (re)started it, by where they came from (quotes, or
/// offers and heartbeats when no quote was usable).
/// </summary>
public sealed record JobStatus(
    string Id,
    string Model,
    string InputPath,
    string OutputPath,
    JobState State,
    int Total,
    int Skipped,
    int Done,
    int Failed,
    int InFlight,
    ulong Spent,
    DateTimeOffset Created,
    DateTimeOffset? Finished,
    string? Error,
    double RatePerSecond,
    int QuotedNodes = 0,
    int OfferedNodes = 0)
{
    /// <summary>Inputs still without a result line.</summary>
    public int Remaining => Math.Max(0, Total - Skipped - Done - Failed);
}
