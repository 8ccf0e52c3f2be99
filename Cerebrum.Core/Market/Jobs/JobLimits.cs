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

    /// <summary>
    /// How long a job waits for quotes after it gossips its job request (at its start, and when it runs short of nodes)
    /// before it picks nodes; less when <see cref="EnoughQuotes"/> came.
    /// </summary>
    public TimeSpan QuoteWindow { get; init; } = TimeSpan.FromSeconds(1.5);

    /// <summary>Quotes after which a job stops waiting for more.</summary>
    public int EnoughQuotes { get; init; } = 8;

    /// <summary>Most job requests one job gossips (the first and its re-requests).</summary>
    public int MaxQuoteRequests { get; init; } = 16;

    /// <summary>Least time between two job requests of one job.</summary>
    public TimeSpan QuoteRequestInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <exception cref="ArgumentException">A bound is not positive.</exception>
    public void Validate()
    {
        if (QuoteWindow <= TimeSpan.Zero || QuoteWindow > TimeSpan.FromMinutes(1)) throw new ArgumentException($"Market:Jobs:QuoteWindow must be positive and at most a minute, not {QuoteWindow}");
        if (EnoughQuotes <= 0 || MaxQuoteRequests <= 0) throw new ArgumentException("Market:Jobs:EnoughQuotes and MaxQuoteRequests must be positive");
        if (QuoteRequestInterval < QuoteWindow) throw new ArgumentException($"Market:Jobs:QuoteRequestInterval ({QuoteRequestInterval}) must be at least QuoteWindow ({QuoteWindow})");
        if (MaxInputFileBytes <= 0 || MaxLineBytes <= 0 || MaxInputs <= 0 || MaxAttempts <= 0 || MaxInFlightPerNode <= 0)
            throw new ArgumentException("Market:Jobs limits must be positive");
        if (AttemptTimeout <= TimeSpan.Zero || NoNodeTimeout <= TimeSpan.Zero) throw new ArgumentException("Market:Jobs timeouts must be positive");
    }
}
