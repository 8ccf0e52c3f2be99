namespace Cerebrum.Daemon.Configuration;

/// <summary>
/// The "Gateway:SelfService" section: whether visitors of Cerebrum Cloud may create API keys themselves
/// (<c>POST /cloud/api/keys</c>, no key needed), and the limits that make that safe to offer on a public address. Off by
/// default: keys are then created by the operator alone (<c>cerebrum gateway key create</c>). Ignored on an open gateway.
/// </summary>
public sealed record GatewaySelfServiceOptions
{
    public bool Enabled { get; init; }

    /// <summary>Keys one client IP address may create per hour (a token bucket: this many at once, refilled over the hour).</summary>
    public int KeysPerIpPerHour { get; init; } = 3;

    /// <summary>Most keys the gateway holds in all (operators' keys included); at this count, self-service creation is refused.</summary>
    public int MaxKeys { get; init; } = 1000;

    /// <summary>The budget of a self-service key in micro-CER (what its requests may cost in all); at least 1: such a key is never unlimited.</summary>
    public ulong Budget { get; init; } = 100_000;

    /// <summary>The rate limit of a self-service key, requests per second (more than 0: such a key is never unlimited).</summary>
    public double RatePerSecond { get; init; } = 5;

    /// <summary>Client IP addresses whose creation buckets are remembered at once (the oldest full bucket is dropped first).</summary>
    public int TrackedAddresses { get; init; } = 10_000;
}
