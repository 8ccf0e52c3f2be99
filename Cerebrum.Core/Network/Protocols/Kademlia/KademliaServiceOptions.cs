namespace Cerebrum.Core.Network.Protocols.Kademlia;

/// <summary>What a host's <see cref="KademliaService"/> does.</summary>
public sealed record KademliaServiceOptions
{
    /// <summary>The DHT's protocol id, bucket size, parallelism, timeouts, record limits.</summary>
    public KademliaOptions Dht { get; init; } = new();

    /// <summary>
    /// Serve the DHT protocol (store provider records, answer lookups): seeds, validators and public nodes. A client
    /// only looks up and publishes, as a node behind NAT should (peers could not reach it to ask).
    /// </summary>
    public bool Server { get; init; } = true;

    /// <summary>How often the upkeep runs (expiry, republishing, bucket refresh; each keeps its own interval).</summary>
    public TimeSpan MaintenanceInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <exception cref="ArgumentException">A setting out of range.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Dht);
        Dht.Validate();
        if (MaintenanceInterval <= TimeSpan.Zero)
            throw new ArgumentException("MaintenanceInterval must be positive");
    }
}
