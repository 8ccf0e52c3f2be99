using Cerebrum.Core.Gateway;
using Cerebrum.Core.Market;
using Cerebrum.Core.Market.Jobs;
using Cerebrum.Core.Market.Storage;
using Cerebrum.Daemon.Chain;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Gateway;
using Cerebrum.Daemon.Network;
using Cerebrum.Daemon.Node;
using Cerebrum.Daemon.Status;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Market;

/// <summary>
/// Hosts this daemon's batch jobs (<c>cerebrum job submit|list|status|cancel</c>, <c>/market/jobs</c>): one
/// <see cref="BatchJobs"/> on <c>DIR/market.db</c> (the market's store when the daemon keeps a ledger, its own otherwise)
/// with a <see cref="DaemonJobExecutor"/>, which asks for quotes through the market's gossip and admits nodes as the
/// gateway routes (<c>Gateway:Routing</c>, <see cref="GatewayService.CreateAdmission"/>). Registered after every mode, so it starts once the network, the node
/// directory, the market and the gateway run (a resumed job finds its nodes and its payer) and stops before them.
/// </summary>
public sealed class BatchJobService : IHostedService, IAsyncDisposable
{
    private readonly NetworkService _network;
    private readonly NodeDirectoryService _directory;
    private readonly DaemonOptions _options;
    private readonly DataDirectory _dataDirectory;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly IServiceProvider _services;
    private MarketStore? _ownStore;
    private DaemonJobExecutor? _executor;
    private BatchJobs? _jobs;
    private int _disposed;

    public BatchJobService(NetworkService network, NodeDirectoryService directory, DaemonOptions options, DataDirectory dataDirectory, TimeProvider time,
        ILoggerFactory loggerFactory, IServiceProvider services)
    {
        _network = network;
        _directory = directory;
        _options = options;
        _dataDirectory = dataDirectory;
        _time = time;
        _loggerFactory = loggerFactory;
        _services = services;
    }

    /// <summary>The jobs; null until the service started.</summary>
    public BatchJobs? Jobs => Volatile.Read(ref _jobs);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var logger = _loggerFactory.CreateLogger<BatchJobs>();
        var market = _services.GetService<MarketService>() is { IsOpen: true } service ? service.Market : null;
        var store = market?.Store ?? (_ownStore = MarketStore.Open(_dataDirectory.Root, logger));
        // The gateway's payer when this daemon is one; otherwise the same payer side on the same channel book.
        var payments = market is null ? null
            : _services.GetService<GatewayService>()?.Payments ?? new GatewayPayments(market, _options.Gateway.Payments, _time, _loggerFactory.CreateLogger<GatewayPayments>());
        var node = _services.GetService<NodeService>();
        var chain = market is null ? null : _services.GetService<ChainService>();
        var ledger = chain is null ? null : new LedgerReadCache(id => chain.Chain.GetNode(id), hash => chain.Chain.GetModel(hash));
        var (admission, mode) = GatewayService.CreateAdmission(_options.Gateway, chain, ledger);
        logger.LogInformation("Batch jobs admit nodes as the gateway routes ({Mode}; Gateway:Routing:Admission {Admission}, RegisteredShare {Share})",
            mode, _options.Gateway.Routing.Admission, _options.Gateway.Routing.RegisteredShare);
        _executor = new DaemonJobExecutor(_network.Host, _directory.Book, market, market is null ? null : _services.GetService<MarketService>()?.Gossip, payments,
            () => node?.ServingHandler, admission, ledger, _options.Gateway.Routing, _options.Market.Jobs, _time, _loggerFactory.CreateLogger<DaemonJobExecutor>());
        var jobs = new BatchJobs(store, _executor, _options.Market.Jobs, _time, logger);
        jobs.Start();
        Volatile.Write(ref _jobs, jobs);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        // Disposed twice: as a singleton and as the hosted service the factory returned.
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (Interlocked.Exchange(ref _jobs, null) is { } jobs) await jobs.DisposeAsync();
        _executor?.Dispose();
        if (_ownStore is not null) await _ownStore.DisposeAsync();
    }
}
