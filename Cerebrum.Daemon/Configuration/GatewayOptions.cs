using Cerebrum.Core.Gateway;

namespace Cerebrum.Daemon.Configuration;

/// <summary>The "Gateway" section: the app-facing HTTP API of gateway mode (see <c>--mode gateway</c>).</summary>
public sealed record GatewayOptions
{
    /// <summary>Where the HTTP API listens, IP:PORT (port 0 picks a free one); also <c>--http</c>. Distinct from the admin API.</summary>
    public string Http { get; init; } = "127.0.0.1:8080";

    /// <summary>Serve without API keys (local development only); also <c>--open</c>.</summary>
    public bool Open { get; init; }

    /// <summary>Largest request body accepted, in bytes; a larger one is answered 413.</summary>
    public long MaxRequestBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>How long one request may take end to end, retries included; a client may ask for less with <c>X-Cerebrum-Timeout-Ms</c>.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Most texts in one <c>/v1/embeddings</c> request.</summary>
    public int MaxEmbeddingInputs { get; init; } = 256;

    /// <summary>How often the routing table is refreshed from the heartbeats received on <c>cerebrum/1/status</c>.</summary>
    public TimeSpan RoutingRefreshInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Node selection, failover, circuit breaking and back-pressure.</summary>
    public RoutingOptions Routing { get; init; } = new();

    /// <summary>
    /// How the gateway pays priced nodes (with a ledger: channels opened and topped up automatically, a voucher per job).
    /// Without a ledger the gateway sends jobs unpaid, and priced nodes refuse them.
    /// </summary>
    public GatewayPaymentOptions Payments { get; init; } = new();

    /// <summary>How often the API keys' usage is written to gateway.db (and at shutdown).</summary>
    public TimeSpan UsageFlushInterval { get; init; } = TimeSpan.FromSeconds(5);
}
