namespace Cerebrum.Core.Network.Protocols.Kademlia;

/// <summary>The DHT's parameters and limits.</summary>
public sealed record KademliaOptions
{
    /// <summary>
    /// Cerebrum's DHT, with the libp2p Kademlia messages unchanged. Not /ipfs/kad/1.0.0: on that id our nodes would
    /// join the public IPFS DHT as servers, storing and serving records for unrelated content, with lookups crossing
    /// thousands of IPFS peers to find a handful of model providers. go- and js-libp2p take a protocol id as an option
    /// (as IPFS's own LAN DHT does), so interoperability is unaffected.
    /// </summary>
    public const string DefaultProtocolId = "/cerebrum/kad/1.0.0";

    public string ProtocolId { get; init; } = DefaultProtocolId;

    /// <summary>Replication parameter k: bucket size, peers returned, providers stored on.</summary>
    public int BucketSize { get; init; } = 20;

    /// <summary>Requests a lookup keeps in flight (α).</summary>
    public int Alpha { get; init; } = 10;

    /// <summary>How long one request of a lookup may take before it counts as failed.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a provider record is served after it was (re)published. Short enough that a node that left stops being offered within hours.</summary>
    public TimeSpan ProviderRecordLifetime { get; init; } = TimeSpan.FromHours(2);

    /// <summary>How often our own provider records are published again; well inside their lifetime, so churn cannot drop them.</summary>
    public TimeSpan ProviderRepublishInterval { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a provider's addresses are handed out with its record (after that only its ID, as the spec advises).</summary>
    public TimeSpan ProviderAddressLifetime { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Provider keys stored in total.</summary>
    public int MaxProviderKeys { get; init; } = 65_536;

    /// <summary>Providers kept per key.</summary>
    public int MaxProvidersPerKey { get; init; } = 64;

    /// <summary>Keys one provider may hold records for on this node (a peer announcing a million keys fills nothing).</summary>
    public int MaxKeysPerProvider { get; init; } = 1024;

    /// <summary>Value records stored in total.</summary>
    public int MaxRecords { get; init; } = 16_384;

    /// <summary>Bound on a record's value.</summary>
    public int MaxRecordValueSize { get; init; } = 16 * 1024;

    /// <summary>Bound on one message on the wire.</summary>
    public int MaxMessageSize { get; init; } = 128 * 1024;

    /// <summary>How often each non-empty bucket is refreshed by a lookup for a random key in it.</summary>
    public TimeSpan BucketRefreshInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <exception cref="ArgumentException">A parameter out of range.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ProtocolId) || !ProtocolId.StartsWith('/'))
            throw new ArgumentException($"'{ProtocolId}' is not a protocol id");
        if (BucketSize < 1 || Alpha < 1 || MaxProviderKeys < 1 || MaxProvidersPerKey < 1 || MaxKeysPerProvider < 1 || MaxRecords < 1
            || MaxRecordValueSize < 1 || MaxMessageSize < 1024)
            throw new ArgumentException("DHT sizes must be positive (and messages at least 1 KiB)");
        if (RequestTimeout <= TimeSpan.Zero || ProviderRecordLifetime <= TimeSpan.Zero || ProviderAddressLifetime < TimeSpan.Zero
            || BucketRefreshInterval <= TimeSpan.Zero || ProviderRepublishInterval <= TimeSpan.Zero)
            throw new ArgumentException("DHT durations must be positive");
        if (ProviderRepublishInterval >= ProviderRecordLifetime)
            throw new ArgumentException("provider records must be republished before they expire");
    }
}
