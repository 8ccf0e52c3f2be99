namespace Cerebrum.Core.Market.Leases;

/// <summary>What a node asks for exclusive use (config section <c>Market:Lease</c>); no price means it does not rent itself out.</summary>
public sealed record LeaseOptions
{
    /// <summary>micro-CER per hour; null: the node takes no leases.</summary>
    public ulong? PricePerHour { get; init; }

    public uint MinHours { get; init; } = 1;

    public uint MaxHours { get; init; } = 24;

    /// <summary>How long a countersignature stays good for <c>CreateLease</c>; no other tenant is granted the node meanwhile.</summary>
    public TimeSpan GrantLifetime { get; init; } = TimeSpan.FromMinutes(2);

    /// <exception cref="ArgumentException">Inconsistent values.</exception>
    public void Validate()
    {
        if (PricePerHour == 0) throw new ArgumentException("Market:Lease:PricePerHour must be positive (or unset)");
        if (MinHours == 0 || MaxHours < MinHours) throw new ArgumentException("Market:Lease needs 1 <= MinHours <= MaxHours");
        if (GrantLifetime <= TimeSpan.Zero || GrantLifetime > TimeSpan.FromHours(1)) throw new ArgumentException("Market:Lease:GrantLifetime must be more than 0 and at most 1 hour");
    }
}
