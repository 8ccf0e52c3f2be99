namespace Cerebrum.Core.Inference.Status;

/// <summary>How many nodes a <see cref="NodeStatusBook"/> keeps, for how long, and how much one key or one IP may take of it.</summary>
public sealed record NodeStatusBookOptions
{
    /// <summary>Most nodes whose latest status is kept.</summary>
    public int Capacity { get; init; } = 10_000;

    /// <summary>How long an entry is kept without a newer status from its node.</summary>
    public TimeSpan Expiry { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Least time between two statuses accepted from one key (a node heartbeats every 5 s by default): a key that
    /// signs faster has the extra ones ignored, hence not relayed, so the rate bound holds across the mesh.
    /// </summary>
    public TimeSpan MinInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Most keys not registered on the ledger kept from one IP (an IPv4 address, an IPv6 /64), as gossipsub's
    /// IP colocation counts peers: one machine cannot fill the book with fresh keys. Registered nodes are not counted.
    /// </summary>
    public int MaxUnregisteredKeysPerIp { get; init; } = 16;

    /// <exception cref="ArgumentException">A bound is not positive.</exception>
    public void Validate()
    {
        if (Capacity <= 0) throw new ArgumentException($"Capacity must be positive, not {Capacity}");
        if (Expiry <= TimeSpan.Zero) throw new ArgumentException($"Expiry must be positive, not {Expiry}");
        if (MinInterval < TimeSpan.Zero) throw new ArgumentException($"MinInterval must not be negative, not {MinInterval}");
        if (MaxUnregisteredKeysPerIp <= 0) throw new ArgumentException($"MaxUnregisteredKeysPerIp must be positive, not {MaxUnregisteredKeysPerIp}");
    }
}
