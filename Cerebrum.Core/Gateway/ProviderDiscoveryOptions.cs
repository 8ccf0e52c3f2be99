namespace Cerebrum.Core.Gateway;

/// <summary>How a gateway finds nodes through the DHT's provider records (<see cref="ProviderDiscovery"/>), and its bounds.</summary>
public sealed record ProviderDiscoveryOptions
{
    /// <summary>Pause between lookup rounds.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A model is not looked up again sooner than this (a wanted model with no route included).</summary>
    public TimeSpan ModelLookupInterval { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Models looked up in one round; the rest wait for the next.</summary>
    public int MaxModelsPerRound { get; init; } = 16;

    /// <summary>Providers asked for per model lookup.</summary>
    public int MaxProvidersPerModel { get; init; } = 8;

    /// <summary>Providers dialled and asked for their status at the same time.</summary>
    public int MaxConcurrentFetches { get; init; } = 4;

    /// <summary>Models asked for with no route, remembered until looked up; beyond it new ones are dropped.</summary>
    public int MaxWanted { get; init; } = 64;

    /// <summary>A model name that resolved to no hash (neither the ledger nor any heartbeat names it) is not resolved again sooner than this.</summary>
    public TimeSpan UnknownNameRetryInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Bound on one lookup, and on one dial plus status request.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <exception cref="ArgumentException">A count below 1 or a duration that is not positive.</exception>
    public void Validate()
    {
        if (MaxModelsPerRound < 1 || MaxProvidersPerModel < 1 || MaxConcurrentFetches < 1 || MaxWanted < 1)
            throw new ArgumentException("provider discovery counts must be at least 1");
        if (Interval <= TimeSpan.Zero || ModelLookupInterval <= TimeSpan.Zero || RequestTimeout <= TimeSpan.Zero || UnknownNameRetryInterval <= TimeSpan.Zero)
            throw new ArgumentException("provider discovery durations must be positive");
    }
}
