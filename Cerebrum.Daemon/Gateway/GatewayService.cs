using System.Diagnostics.Metrics;
using Cerebrum.Core.Gateway;
using Cerebrum.Daemon.Chain;
using Cerebrum.Daemon.Cloud;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Network;
using Cerebrum.Daemon.Node;
using Cerebrum.Daemon.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Gateway;

/// <summary>
/// Gateway mode: keeps a <see cref="RoutingTable"/> fed by the verified heartbeats the daemon receives on
/// <c>cerebrum/1/status</c> (every mode joins it; bootstrap peers from config connect the gateway to the mesh), runs
/// requests through an <see cref="InferDispatcher"/> over the daemon's libp2p host, and serves the app-facing HTTP API
/// on its own port (<c>Gateway:Http</c>). Stopping stops the HTTP server first, letting requests in flight finish.
/// </summary>
public sealed class GatewayService : IHostedService, IAsyncDisposable
{
    private readonly DataDirectory _dataDirectory;
    private readonly NetworkService _network;
    private readonly NodeDirectoryService _directory;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<GatewayService> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly HostInferNodeClient _nodeClient;
    private ApiKeyStore? _keys;
    private WebApplication? _http;
    private Task _refresh = Task.CompletedTask;
    private readonly NodeService? _node;

    /// <param name="node">This daemon's node mode, when it runs one: jobs routed to this daemon itself run on it.</param>
    /// <param name="chain">The daemon's ledger, when it keeps one: Cerebrum Cloud lists its registered models and nodes.</param>
    public GatewayService(DaemonOptions options, DataDirectory dataDirectory, NetworkService network, NodeDirectoryService directory, TimeProvider time, ILoggerFactory loggerFactory,
        IMeterFactory meterFactory, NodeService? node = null, ChainService? chain = null)
    {
        MeterFactory = meterFactory;
        Options = options.Gateway;
        _dataDirectory = dataDirectory;
        _network = network;
        _directory = directory;
        Time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<GatewayService>();
        (var admission, AdmissionMode) = CreateAdmission(Options, chain);
        Table = new RoutingTable(Options.Routing, admission);
        _node = node;
        Concurrency = new ApiKeyConcurrency(Options.MaxConcurrentRequestsPerKey);
        _nodeClient = new HostInferNodeClient(network.Host, node is null ? null : () => node.ServingHandler);
        Dispatcher = new InferDispatcher(Table, new NodeSelector(), _nodeClient, time, loggerFactory.CreateLogger<InferDispatcher>(), meterFactory);
        Embedder = new GatewayTextEmbedder(Dispatcher, Table);
        // No market yet (issue 14): once the gateway has one, it passes its ICloudMarket here and the app's market pages fill in.
        Catalog = new CloudCatalog(this, directory, chain, network.PeerId);
    }

    public GatewayOptions Options { get; }

    /// <summary>Who decides which nodes serve which models: "ledger", "listed" (Gateway:Nodes) or "any" (no ledger, no list: development only).</summary>
    public string AdmissionMode { get; }

    public TimeProvider Time { get; }

    /// <summary>The daemon's meters; the gateway's HTTP server counts its requests on them.</summary>
    public IMeterFactory MeterFactory { get; }

    public RoutingTable Table { get; }

    public InferDispatcher Dispatcher { get; }

    public GatewayTextEmbedder Embedder { get; }

    /// <summary>What Cerebrum Cloud, the web app on the HTTP port, shows.</summary>
    public CloudCatalog Catalog { get; }

    public ApiKeyRateLimiter RateLimiter { get; } = new();

    /// <summary>Requests in flight per API key, capped at Gateway:MaxConcurrentRequestsPerKey.</summary>
    public ApiKeyConcurrency Concurrency { get; }

    /// <exception cref="InvalidOperationException">The service has not started.</exception>
    public ApiKeyStore Keys => _keys ?? throw new InvalidOperationException("gateway mode has not started");

    /// <summary>The HTTP API's bound base URL, e.g. http://127.0.0.1:8080/.</summary>
    public Uri? HttpUrl { get; private set; }

    public string UrlPath => _dataDirectory.GatewayUrlPath;

    /// <summary>Whether the gateway holds a live connection to <paramref name="node"/> (a sign, not a proof, that it can answer).</summary>
    /// <remarks>This daemon's own node (node and gateway mode) counts as connected while it serves.</remarks>
    public bool IsConnected(Core.Crypto.PeerId node) =>
        node == _network.Host.PeerId ? _node?.ServingHandler is not null : _network.Host.FindConnection(node) is not null;

    /// <summary>
    /// The ledger when the daemon keeps one; else the operator's list; else anyone (a heartbeat is only a claim, so this
    /// last mode lets any key pose as a model's node, and is said at start as a warning).
    /// </summary>
    private static (IRouteAdmission?, string) CreateAdmission(GatewayOptions options, ChainService? chain)
    {
        if (chain is not null && options.RequireRegisteredNodes)
            return (new LedgerRouteAdmission(id => chain.Chain.GetNode(id), hash => chain.Chain.GetModel(hash), () => chain.Chain.Params.MinNodeStake), "ledger");
        if (options.Nodes.Count > 0)
            return (new ListedRouteAdmission(options.Nodes.Select(Core.Crypto.PeerId.Parse).ToHashSet()), "listed");
        return (null, "any");
    }

    /// <exception cref="IOException">The key store cannot be opened or the HTTP port cannot be bound.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        switch (AdmissionMode)
        {
            case "ledger":
                _logger.LogInformation("Gateway routes to nodes registered and staked on the ledger, under the ledger's model names");
                break;
            case "listed":
                _logger.LogInformation("Gateway routes only to the {Count} node(s) in Gateway:Nodes (no ledger)", Options.Nodes.Count);
                break;
            default:
                _logger.LogWarning("Gateway has no ledger and no Gateway:Nodes list: it routes to ANY node that announces a model, under the name it claims " +
                    "(any key can pose as a model's node); for development only: set Gateway:RequireRegisteredNodes with a ledger (Chain:Genesis), or list trusted nodes in Gateway:Nodes");
                break;
        }
        _keys = new ApiKeyStore(_dataDirectory.Root);
        Table.Update(_directory.Book.Snapshot());
        _refresh = RefreshRoutesAsync(_stopping.Token);
        _http = GatewayHttpServer.Create(this, _loggerFactory);
        try
        {
            await _http.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            // Kestrel names the address; say which of the daemon's servers it is and where it is configured.
            throw new IOException($"gateway HTTP API (Gateway:Http, --http): {e.Message}", e);
        }
        HttpUrl = GatewayHttpServer.BoundUrl(_http);
        await File.WriteAllTextAsync(UrlPath, HttpUrl + Environment.NewLine, cancellationToken);
        if (Options.Open)
            _logger.LogWarning("Gateway HTTP API on {Url} is OPEN: no API key is needed (--open, for local development only)", HttpUrl);
        else
            _logger.LogInformation("Gateway HTTP API on {Url}; {Count} API key(s); create one with 'cerebrum gateway key create --name NAME'", HttpUrl, _keys.Count);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_http is { } http)
        {
            _http = null;
            await http.StopAsync(cancellationToken);
            await http.DisposeAsync();
        }
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
            await _stopping.CancelAsync();
        await _refresh;
        if (_http is { } http)
        {
            _http = null;
            await http.DisposeAsync();
        }
        _keys?.Dispose();
        _keys = null;
        _nodeClient.Dispose();
        File.Delete(UrlPath);
    }

    // The node status book expires silent nodes; copying it into the table a few times a second keeps routing current.
    private async Task RefreshRoutesAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Options.RoutingRefreshInterval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
                Table.Update(_directory.Book.Snapshot());
        }
        catch (OperationCanceledException)
        {
        }
    }
}
