namespace Cerebrum.Core.Network.Protocols.Dcutr;

/// <summary>What a host's <see cref="HolePunchService"/> does to move relayed connections to direct ones.</summary>
public sealed record HolePunchServiceOptions
{
    /// <summary>The attempts, timeouts and address policy of DCUtR itself.</summary>
    public HolePunchOptions Punch { get; init; } = new();

    /// <summary>Before coordinating, dial the peer's advertised direct addresses (it may simply be reachable).</summary>
    public bool TryUnilateralUpgrade { get; init; } = true;

    /// <summary>
    /// The longest a relayed connection that has moved to a direct one stays open for its streams to end. Short work (a
    /// job) ends well within it; long-lived streams (gossipsub's) would hold it open forever, and their protocols open
    /// new ones on the direct connection, which streams now go on.
    /// </summary>
    public TimeSpan RelayedDrainLimit { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a draining relayed connection is checked for streams.</summary>
    public TimeSpan DrainCheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <exception cref="ArgumentException">A setting out of range.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Punch);
        Punch.Validate();
        if (RelayedDrainLimit < TimeSpan.Zero || DrainCheckInterval <= TimeSpan.Zero)
            throw new ArgumentException("the relayed drain durations must be positive");
    }
}
