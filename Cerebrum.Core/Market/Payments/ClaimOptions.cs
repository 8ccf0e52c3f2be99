namespace Cerebrum.Core.Market.Payments;

/// <summary>When a node redeems its vouchers on the ledger (config section <c>Market:Claims</c>).</summary>
public sealed record ClaimOptions
{
    /// <summary>Claim once this much (micro-CER) waits unclaimed on a channel.</summary>
    public ulong Threshold { get; init; } = 1_000_000;

    /// <summary>Claim once value has waited this long, however small.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Claim a closing channel once its settle deadline is this close (in block time), whatever the amount.</summary>
    public TimeSpan DeadlineMargin { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a sent claim is awaited before it is sent again.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the node checks its channels.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Claim everything unclaimed at the first check after start (value left by a crash or a stop).</summary>
    public bool ClaimOnStart { get; init; } = true;

    /// <summary>The fee a claim pays; 0 pays the chain's minimum.</summary>
    public ulong Fee { get; init; }

    /// <exception cref="ArgumentException">A duration is not positive.</exception>
    public void Validate()
    {
        if (MaxAge <= TimeSpan.Zero || DeadlineMargin < TimeSpan.Zero || RetryAfter <= TimeSpan.Zero || Interval <= TimeSpan.Zero)
            throw new ArgumentException("Market:Claims durations must be positive");
    }
}
