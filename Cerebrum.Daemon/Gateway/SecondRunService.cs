using System.Diagnostics.Metrics;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Common;
using Cerebrum.Core.Gateway;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Market;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Gateway;

/// <summary>
/// Gateway mode's sampled second runs (<c>Gateway:SecondRuns</c>, off by default): owns the bounded queue the dispatcher
/// samples answered requests into and the one background loop that runs them again on other nodes (a
/// <see cref="SecondRunner"/>), paying through the gateway's own client and filing disputes from the gateway's account.
/// Needs a ledger (the market), without which it cannot pay nor file: a share above 0 without one stops start-up with
/// that reason. Registered after <see cref="GatewayService"/>, so it stops first.
/// </summary>
public sealed class SecondRunService : IHostedService, IAsyncDisposable
{
    private readonly GatewayService _gateway;
    private readonly SecondRunOptions _options;
    private readonly MarketService? _market;
    private readonly TimeProvider _time;
    private readonly IMeterFactory _meterFactory;
    private readonly ILogger<SecondRunService> _logger;
    private BackgroundTasks? _tasks;

    public SecondRunService(GatewayService gateway, DaemonOptions options, TimeProvider time, ILogger<SecondRunService> logger, IMeterFactory meterFactory,
        MarketService? market = null)
    {
        _gateway = gateway;
        _options = options.Gateway.SecondRuns;
        _market = market;
        _time = time;
        _meterFactory = meterFactory;
        _logger = logger;
    }

    /// <summary>The running second runs (their counts); null when off.</summary>
    public SecondRunner? Runner { get; private set; }

    /// <summary>The queue the dispatcher samples into; null when off.</summary>
    public SecondRunQueue? Queue { get; private set; }

    /// <exception cref="InvalidOperationException">Second runs are on but this daemon keeps no ledger.</exception>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Share <= 0) return Task.CompletedTask;
        if (_market is not { IsOpen: true } market)
            throw new InvalidOperationException("Gateway:SecondRuns:Share is above 0 but this daemon keeps no ledger (Chain:Genesis): second runs are paid and file disputes on it");
        var queue = new SecondRunQueue(_options);
        var chain = market.Market.Chain;
        Runner = new SecondRunner(queue, _options, _gateway.Table, new NodeSelector(), _gateway.NodeClient,
            report => market.Market.Submit(new Transaction { ReportWrongReceipt = report, Fee = Math.Max(chain.Params.MinFee, chain.Params.Verification.EvidenceFee) }).Error?.ToString(),
            () => (int)Math.Min(int.MaxValue, Math.Max(0, (long)chain.Params.MaxTxBytes - 512)), _time, _logger, _meterFactory);
        Queue = queue;
        _tasks = new BackgroundTasks(_logger);
        _tasks.Run("gateway second runs", Runner.RunAsync);
        _gateway.Dispatcher.SecondRuns = queue;
        _logger.LogInformation("Gateway runs {Share:P1} of answered requests a second time on another node (at most {Capacity} waiting); disagreements are filed as disputes",
            _options.Share, _options.QueueCapacity);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        _gateway.Dispatcher.SecondRuns = null;
        if (_tasks is { } tasks)
        {
            _tasks = null;
            await tasks.DisposeAsync();
        }
    }
}
