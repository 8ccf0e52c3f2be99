using System.Diagnostics.Metrics;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference.Status;
using Cerebrum.Daemon.Chain;
using Cerebrum.Daemon.Cloud;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Market;
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
/// on its own port (<c>Gateway:Http</c>). With a ledger it routes as <c>Gateway:Routing:Admission</c> says (by default
/// only to registered, staked nodes the validators made Active, under the ledger's model names, weighted by
/// reputation); without one it routes to the nodes in <c>Gateway:Nodes</c>, or, with no list, to every node that
/// announces itself. Stopping stops the HTTP server first, letting requests in flight finish.
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
    private readonly ChainService? _chain;
    private ApiKeyStore? _keys;
    private WebApplication? _http;
    private Task _refresh = Task.CompletedTask;
    private Task _usageFlush = Task.CompletedTask;
    private Task _discovery = Task.CompletedTask;
    private readonly SemaphoreSlim _wantedModel = new(0, 1);
    private readonly MarketService? _market;
    private readonly NodeService? _node;
    private readonly LedgerReadCache? _ledger;
    private readonly Core.Inference.Status.NodeStatusFeed _changes;

    /// <param name="node">This daemon's node mode, when it runs one: jobs routed to this daemon itself run on it.</param>
    /// <param name="chain">The daemon's ledger, when it keeps one: nodes are admitted and weighted by their standing on it, and Cerebrum Cloud lists its registered models and nodes.</param>
    public GatewayService(DaemonOptions options, DataDirectory dataDirectory, NetworkService network, NodeDirectoryService directory, TimeProvider time, ILoggerFactory loggerFactory,
        IMeterFactory meterFactory, NodeService? node = null, ChainService? chain = null, MarketService? market = null)
    {
        _chain = chain;
        _market = market;
        MeterFactory = meterFactory;
        Options = options.Gateway;
        _dataDirectory = dataDirectory;
        _network = network;
        _directory = directory;
        Time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<GatewayService>();
        _ledger = chain is null ? null : new LedgerReadCache(id => chain.Chain.GetNode(id), hash => chain.Chain.GetModel(hash), () => chain.Chain.ListModels());
        _changes = directory.Book.Watch();
        (var admission, AdmissionMode) = CreateAdmission(Options, chain, _ledger);
        Table = new RoutingTable(Options.Routing, admission);
        _node = node;
        Concurrency = new ApiKeyConcurrency(Options.MaxConcurrentRequestsPerKey);
        _nodeClient = new HostInferNodeClient(network.Host, node is null ? null : () => node.ServingHandler);
        Dispatcher = new InferDispatcher(Table, new NodeSelector(), _nodeClient, time, loggerFactory.CreateLogger<InferDispatcher>(), meterFactory);
        Embedder = new GatewayTextEmbedder(Dispatcher, Table);
        // The market opens later (StartAsync); the catalog shows it from then on.
        Catalog = new CloudCatalog(this, directory, chain, network.PeerId);
        Providers = new ProviderDiscovery(network.Host, network.Reachability.Dht, Options.Providers, id => directory.Book.Find(id) is not null,
            status => directory.Book.TryRecord(status), new NodeStatusValidator(), time, loggerFactory.CreateLogger<ProviderDiscovery>(), HashesNamed);
    }

    /// <summary>Routes learnt from the DHT's provider records, for nodes whose heartbeats have not reached this gateway.</summary>
    public ProviderDiscovery Providers { get; }

    /// <summary>
    /// The hashes a model name stands for, to look up its providers: those the ledger registers under it (with a
    /// ledger), then those heard under it in heartbeats since start-up.
    /// </summary>
    private IReadOnlyList<string> HashesNamed(string name) =>
        [.. (_ledger?.ModelsNamed(name) ?? []).Concat(Table.HashesHeard(name)).Distinct(StringComparer.Ordinal)];

    /// <summary>An app asked for a model no route serves (by hash, or by a name that resolves to hashes): its providers are looked up now.</summary>
    public void WantModel(string model)
    {
        Providers.Want(model);
        if (_wantedModel.CurrentCount == 0)
        {
            try
            {
                _wantedModel.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another request woke the lookup first.
            }
        }
    }

    public GatewayOptions Options { get; }

    /// <summary>Who decides which nodes serve which models: "ledger" (Admission Active), "listed" (Gateway:Nodes) or "any" (no ledger or Admission Any, and no list: development only).</summary>
    public string AdmissionMode { get; }

    public TimeProvider Time { get; }

    /// <summary>The daemon's meters; the gateway's HTTP server counts its requests on them.</summary>
    public IMeterFactory MeterFactory { get; }

    public RoutingTable Table { get; }

    /// <summary>How the gateway reaches nodes (paying them once the market is open); second runs use it too.</summary>
    public IInferNodeClient NodeClient => _nodeClient;

    public InferDispatcher Dispatcher { get; }

    public GatewayTextEmbedder Embedder { get; }

    /// <summary>What Cerebrum Cloud, the web app on the HTTP port, shows.</summary>
    public CloudCatalog Catalog { get; }

    /// <summary>Each API key's usage over time, sampled as the usage book is flushed (Cerebrum Cloud's chart).</summary>
    public CloudUsageHistory UsageHistory { get; } = new();

    public ApiKeyRateLimiter RateLimiter { get; } = new();

    /// <summary>How the gateway pays nodes; null without a ledger (jobs go unpaid).</summary>
    public GatewayPayments? Payments { get; private set; }

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
    /// One configuration, <c>Gateway:Routing:Admission</c>: with a ledger and <see cref="NodeAdmission.Active"/> (the
    /// default) the ledger decides: a node's model is routed when the node is registered and staked, lists the model's
    /// hash, the hash is registered (routed under the ledger's name for it), and the node's standing admits it (Active,
    /// or Registered within <see cref="RoutingOptions.RegisteredShare"/>). Otherwise (no ledger, or
    /// <see cref="NodeAdmission.Any"/> for a network whose nodes are not registered) the operator's list
    /// (<c>Gateway:Nodes</c>) when there is one, else anyone: a heartbeat is only a claim, so this last mode lets any key
    /// pose as a model's node, and is said at start as a warning. Batch jobs (<c>cerebrum job submit</c>) admit nodes by
    /// the same policy.
    /// </summary>
    internal static (IRouteAdmission?, string) CreateAdmission(GatewayOptions options, ChainService? chain, LedgerReadCache? ledger)
    {
        var routing = options.Routing;
        if (chain is not null && ledger is not null && routing.Admission == NodeAdmission.Active)
            return (LedgerRouteAdmission.ByStanding(ledger.Node, ledger.Model, () => chain.Chain.Params.MinNodeStake, routing), "ledger");
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
                _logger.LogInformation("Gateway routes by the ledger (Gateway:Routing:Admission Active): to registered, staked nodes the validators made Active " +
                    "(Registered newcomers get a share of {RegisteredShare} of requests), under the ledger's model names", Options.Routing.RegisteredShare);
                break;
            case "listed":
                _logger.LogInformation("Gateway routes only to the {Count} node(s) in Gateway:Nodes ({Why})", Options.Nodes.Count,
                    _chain is null ? "no ledger" : "Gateway:Routing:Admission is Any");
                break;
            default:
                _logger.LogWarning("Gateway routes to ANY node that announces a model, under the name it claims (any key can pose as a model's node): {Why}; " +
                    "for development only: with a ledger (Chain:Genesis) keep Gateway:Routing:Admission Active (the default), or list trusted nodes in Gateway:Nodes",
                    _chain is null ? "it has no ledger and no Gateway:Nodes list" : "Gateway:Routing:Admission is Any and there is no Gateway:Nodes list");
                break;
        }
        _keys = new ApiKeyStore(_dataDirectory.Root);
        UpdateRoutes(full: true);
        _refresh = RefreshRoutesAsync(_stopping.Token);
        _usageFlush = FlushUsageAsync(_stopping.Token);
        _discovery = DiscoverProvidersAsync(_stopping.Token);
        // With a ledger (the market started before this service), the gateway pays priced nodes by voucher.
        if (_market is { IsOpen: true } market)
        {
            Payments = new GatewayPayments(market.Market, Options.Payments, Time, _loggerFactory.CreateLogger<GatewayPayments>());
            _nodeClient.Payments = (Payments, PriceOf);
            _logger.LogInformation("Gateway pays priced nodes from account {Account}: channels of {Deposit} micro-CER, opened as needed", market.Market.Identity, Options.Payments.Deposit);
            Catalog.UseMarket(new CloudMarket(market.Market, () => _keys, UsageHistory, Time));
        }
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
        await _usageFlush;
        await _discovery;
        _keys?.Usage.Flush();
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

    /// <summary>A node's price for a model, as its heartbeat announces it (0 when unknown: the node names its price if it has one).</summary>
    private ulong PriceOf(Core.Crypto.PeerId node, string modelHash)
    {
        foreach (var route in Table.Routes(modelHash))
            if (route.Node == node) return route.PricePerRequest;
        return 0;
    }

    private async Task FlushUsageAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Options.UsageFlushInterval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                if (_keys is not { } keys) continue;
                keys.Usage.Flush();
                UsageHistory.Sample(keys.Usage.Snapshot(), Time.GetUtcNow());
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    // Every Gateway:Providers:Interval, or at once when an app asks for a model with no route.
    private async Task DiscoverProvidersAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await _wantedModel.WaitAsync(Options.Providers.Interval, cancellationToken);
                // What a round finds goes into the status book, whose change feed the refresh loop applies to the table
                // (one writer of the table).
                await Providers.RunRoundAsync(Table.AllRoutes.Select(r => r.Model.Hash), cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    // A few times a second the table takes the heartbeats that changed (the book expires silent nodes), and judges every
    // node again only when a block committed: a refresh costs what changed, not the size of the network.
    private async Task RefreshRoutesAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Options.RoutingRefreshInterval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
                UpdateRoutes(full: false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void UpdateRoutes(bool full)
    {
        var routing = Options.Routing;
        var book = _directory.Book;
        Func<Core.Crypto.PeerId, RouteStanding?>? standing = _ledger is null ? null : node => RouteStanding.Of(_ledger.Node(node), routing);
        var ledgerMoved = _chain is not null && _ledger is not null && _ledger.MoveTo(_chain.Chain.Status.Height);
        var (now, self) = (Time.GetUtcNow(), _network.Host.PeerId);
        if (full)
        {
            book.Drain(_changes);
            Table.Update(book.Snapshot(), standing, now, self);
        }
        else
        {
            Table.Apply(book.Drain(_changes), book, standing, now, self);
            if (ledgerMoved) Table.Reevaluate(standing, now, self);
        }
        Catalog.SampleLedger();
    }
}
