using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Status;
using Cerebrum.Core.Market.Offers;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Network;
using Cerebrum.Daemon.Node;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Market;

/// <summary>
/// Node mode with a ledger: gossips the node's signed offer on <c>cerebrum/1/offers</c> at start and every
/// <c>Market:OfferInterval</c> (models and price, lease terms, hardware, region, free slots, whether it is leased, dial
/// addresses). Registered after the pubsub and node services, so it starts once both run.
/// </summary>
public sealed class MarketOfferService(MarketService market, NodeService node, NetworkService network, PrivateKey identity, DaemonOptions options, TimeProvider time,
    ILogger<MarketOfferService> logger) : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _work = Task.CompletedTask;
    private string _hardware = "";
    private int _disposed;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var hardware = NodeStatusFactory.Summarize(await Core.Inference.Hardware.HardwareProbe.ProbeAsync(TimeSpan.FromSeconds(5), cancellationToken));
        _hardware = $"{hardware.CpuModel}, {hardware.LogicalCores} cores, {hardware.MemoryBytes / (1024 * 1024 * 1024)} GiB"
            + string.Concat(hardware.Gpus.Select(g => $", {g.Name} {g.MemoryBytes / (1024 * 1024 * 1024)} GiB"));
        _work = RunAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _work.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stopping.CancelAsync();
        await _work;
        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Market.OfferInterval, time);
        try
        {
            do
            {
                var now = time.GetUtcNow();
                var engine = node.Engine;
                var free = engine.Models.Sum(m => engine.Statistics(m.Hash) is { } s ? Math.Max(0, s.MaxConcurrency - s.Running) : 0);
                var offer = OfferFactory.Create(market.Market.Chain.ChainId, identity.PeerId, (ulong)now.ToUnixTimeMilliseconds(), now, options.Market.OfferLifetime,
                    engine.Models.Select(m => (m.Hash, m.Name, m.Task)), market.PricePerRequest, options.Market.Lease, _hardware, options.Market.Region,
                    (uint)free, market.Market.Leases.Current(now)?.Until, network.Host.AdvertisedAddresses);
                await market.Gossip.PublishOfferAsync(offer, cancellationToken);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (InvalidOperationException e)
        {
            logger.LogWarning("Offers stopped: {Reason}", e.Message);
        }
    }
}
