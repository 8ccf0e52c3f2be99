namespace Cerebrum.Core.Market.Jobs;

/// <summary>Bounds and pacing of batch jobs (config section <c>Market:Jobs</c>).</summary>
public sealed record JobLimits
{
    public long MaxInputFileBytes { get; init; } = 1L << 30;

    public int MaxLineBytes { get; init; } = 16 * 1024 * 1024;

    public int MaxInputs { get; init; } = 10_000_000;

    /// <summary>Attempts per input, each on another node when there is one, before it fails for good.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Inputs in flight per node (a node's free slots, capped at this).</summary>
    public int MaxInFlightPerNode { get; init; } = 16;

    /// <summary>How long one attempt may take.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a job waits for a node when none is available before it fails the rest.</summary>
    public TimeSpan NoNodeTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <exception cref="ArgumentException">A bound is not positive.</exception>
    public void Validate()
    {
        if (MaxInputFileBytes <= 0 || MaxLineBytes <= 0 || MaxInputs <= 0 || MaxAttempts <= 0 || MaxInFlightPerNode <= 0)
            throw new ArgumentException("Market:Jobs limits must be positive");
        if (AttemptTimeout <= TimeSpan.Zero || NoNodeTimeout <= TimeSpan.Zero) throw new ArgumentException("Market:Jobs timeouts must be positive");
    }
}
