using Cerebrum.Core.Gateway;

namespace Cerebrum.Daemon.Configuration;

/// <summary>The "Gateway" section: the app-facing HTTP API of gateway mode (see <c>--mode gateway</c>).</summary>
public sealed record GatewayOptions
{
    /// <summary>Where the HTTP API listens, IP:PORT (port 0 picks a free one); also <c>--http</c>. Distinct from the admin API.</summary>
    public string Http { get; init; } = "127.0.0.1:8080";

    /// <summary>Serve without API keys (local development only); also <c>--open</c>.</summary>
    public bool Open { get; init; }

    /// <summary>Requests one API key may have in flight at once; one more is answered 429.</summary>
    public int MaxConcurrentRequestsPerKey { get; init; } = 64;

    /// <summary>
    /// Host names (besides IP addresses and localhost) an <see cref="Open"/> gateway answers to; any other Host header is
    /// refused, so that a web page cannot reach an open gateway through a domain re-pointed at it (DNS rebinding).
    /// </summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>Largest request body accepted, in bytes; a larger one is answered 413.</summary>
    public long MaxRequestBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>How long one request may take end to end, retries included; a client may ask for less with <c>X-Cerebrum-Timeout-Ms</c>.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Most texts in one <c>/v1/embeddings</c> request.</summary>
    public int MaxEmbeddingInputs { get; init; } = 256;

    /// <summary>How often the routing table is refreshed from the heartbeats received on <c>cerebrum/1/status</c>.</summary>
    public TimeSpan RoutingRefreshInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Peer IDs of the nodes a gateway without a ledger routes to (the operator vouches for them). Ignored when the ledger
    /// decides (a ledger and <c>Routing:Admission</c> Active, the default: registered, staked, Active nodes; the ledger's
    /// model names); used with a ledger whose nodes are not registered (<c>Routing:Admission</c> Any). Without a ledger and
    /// without this list, every node that announces itself is routed to, with a warning at start: development only.
    /// </summary>
    public IReadOnlyList<string> Nodes { get; init; } = [];

    /// <summary>Node selection, failover, circuit breaking and back-pressure.</summary>
    public RoutingOptions Routing { get; init; } = new();

    /// <summary>
    /// How the gateway pays priced nodes (with a ledger: channels opened and topped up automatically, a voucher per job).
    /// Without a ledger the gateway sends jobs unpaid, and priced nodes refuse them.
    /// </summary>
    public GatewayPaymentOptions Payments { get; init; } = new();

    /// <summary>
    /// Sampled second runs (Gateway:SecondRuns): a share of answered requests run again on another node, the outputs
    /// compared, both answers filed as disputes when they disagree (needs a ledger; off by default).
    /// </summary>
    public Core.Gateway.SecondRunOptions SecondRuns { get; init; } = new();

    /// <summary>Whether Cerebrum Cloud's visitors may create API keys themselves, and its limits (off by default).</summary>
    public GatewaySelfServiceOptions SelfService { get; init; } = new();

    /// <summary>How often the API keys' usage is written to gateway.db (and at shutdown).</summary>
    public TimeSpan UsageFlushInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Finding nodes through the DHT's provider records of the models routed or asked for by hash (Gateway:Providers).</summary>
    public Core.Gateway.ProviderDiscoveryOptions Providers { get; init; } = new();
}
