namespace Cerebrum.Core.Network.Protocols.Dcutr;

/// <summary>How hole punching is tried.</summary>
public sealed record HolePunchOptions
{
    /// <summary>Attempts (CONNECT, SYNC, simultaneous dial) before staying relayed; the spec says 3.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>How long the simultaneous dial may take before the attempt counts as failed.</summary>
    public TimeSpan DialTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long to wait for the other side's CONNECT.</summary>
    public TimeSpan StreamTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Exchange and dial non-public addresses too (a LAN, a test network behind test NATs); off on the internet.</summary>
    public bool AllowNonPublicAddresses { get; init; }

    /// <summary>How long the relayed connection stays open after the direct one is up, so streams on it can finish.</summary>
    public TimeSpan RelayedCloseGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <exception cref="ArgumentException">An attempt count below 1 or a duration that is not positive.</exception>
    public void Validate()
    {
        if (MaxAttempts < 1)
            throw new ArgumentException("hole punching needs at least one attempt");
        if (DialTimeout <= TimeSpan.Zero || StreamTimeout <= TimeSpan.Zero || RelayedCloseGrace < TimeSpan.Zero)
            throw new ArgumentException("hole punching durations must be positive");
    }
}
