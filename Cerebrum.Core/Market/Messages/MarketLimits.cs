namespace Cerebrum.Core.Market.Messages;

/// <summary>Bounds every received market message must respect; each is checked before anything is kept.</summary>
public sealed record MarketLimits
{
    /// <summary>Largest envelope (gossip payload or protocol message) accepted.</summary>
    public int MaxMessageBytes { get; init; } = 32 * 1024;

    /// <summary>Most models one offer may list.</summary>
    public int MaxModels { get; init; } = 64;

    /// <summary>Longest model hash, name, task or hardware text.</summary>
    public int MaxTextLength { get; init; } = 256;

    /// <summary>Longest region.</summary>
    public int MaxRegionLength { get; init; } = 64;

    /// <summary>Most dial addresses one message may carry.</summary>
    public int MaxAddresses { get; init; } = 16;

    /// <summary>Most delegates a lease request may name.</summary>
    public int MaxDelegates { get; init; } = 16;

    /// <summary>Longest an offer, job request or quote may be valid for.</summary>
    public TimeSpan MaxLifetime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How far ahead of our clock an issue time may be.</summary>
    public TimeSpan MaxFutureSkew { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Most inputs one job request may announce.</summary>
    public uint MaxJobInputs { get; init; } = 100_000_000;

    /// <exception cref="ArgumentException">A bound is not positive, or allows more delegates than the ledger keeps.</exception>
    public void Validate()
    {
        if (MaxMessageBytes <= 0 || MaxModels <= 0 || MaxTextLength <= 0 || MaxRegionLength <= 0 || MaxAddresses < 0 || MaxDelegates < 0 || MaxJobInputs == 0)
            throw new ArgumentException("market limits must be positive");
        if (MaxDelegates > Chain.Transactions.CreateLeaseHandler.MaxDelegates)
            throw new ArgumentException($"a lease names at most {Chain.Transactions.CreateLeaseHandler.MaxDelegates} delegates on the ledger, so MaxDelegates cannot be {MaxDelegates}");
        if (MaxLifetime <= TimeSpan.Zero || MaxFutureSkew < TimeSpan.Zero) throw new ArgumentException("market lifetimes must be positive");
    }
}
