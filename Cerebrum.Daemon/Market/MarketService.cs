using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market;
using Cerebrum.Core.Market.Gossip;
using Cerebrum.Core.Market.Protocols;
using Cerebrum.Core.Market.Proto;
using Cerebrum.Daemon.Chain;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Network;
using Cerebrum.Daemon.Node;
using Cerebrum.Daemon.PubSub;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Market;

/// <summary>
/// Hosts the daemon's side of the market in every mode that keeps a ledger: opens the <see cref="Marketplace"/> on
/// <c>DIR/market.db</c> (claims of the vouchers this daemon is paid with, settling its closing channels), serves
/// <c>/cerebrum/lease/1.0.0</c> and <c>/cerebrum/bid/1.0.0</c>, and validates <c>cerebrum/1/offers</c>. Registered after
/// the <see cref="ChainService"/> and before the network listens, so the handlers and the topic validator are in place
/// before peers arrive; on a node it quotes the job requests it can serve.
/// </summary>
public sealed class MarketService : IHostedService, IAsyncDisposable
{
    private readonly ChainService _chain;
    private readonly NetworkService _network;
    private readonly PubSubService _pubSub;
    private readonly PrivateKey _identity;
    private readonly DaemonOptions _options;
    private readonly DataDirectory _dataDirectory;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly IServiceProvider _services;
    private Marketplace? _market;
    private MarketGossip? _gossip;
    private int _disposed;

    public MarketService(ChainService chain, NetworkService network, PubSubService pubSub, PrivateKey identity, DaemonOptions options, DataDirectory dataDirectory,
        TimeProvider time, ILoggerFactory loggerFactory, IServiceProvider services)
    {
        _chain = chain;
        _network = network;
        _pubSub = pubSub;
        _identity = identity;
        _options = options;
        _dataDirectory = dataDirectory;
        _time = time;
        _loggerFactory = loggerFactory;
        _services = services;
    }

    /// <summary>The market; available once the service started.</summary>
    public Marketplace Market => _market ?? throw new InvalidOperationException("the market service has not started");

    public MarketGossip Gossip => _gossip ?? throw new InvalidOperationException("the market service has not started");

    public bool IsOpen => _market is not null;

    /// <summary>The node's price per request (<c>Node:PricePerRequest</c>).</summary>
    public ulong PricePerRequest => (ulong)_options.Node.PricePerRequest;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var logger = _loggerFactory.CreateLogger<Marketplace>();
        _market = Marketplace.Open(_dataDirectory.Root, _chain.Chain, _identity, _options.Market, _chain.Gossip.Submit, logger, _time);
        LeaseProtocol.Register(_network.Host, _market.Leases);
        BidProtocol.Register(_network.Host, _market.Validator, _market.Quotes, _time);
        _gossip = new MarketGossip(_pubSub.Router, _network.Host, _market, _identity, _time, _loggerFactory.CreateLogger<MarketGossip>());
        if (_options.HasMode(DaemonModes.Node)) _gossip.QuoteState = QuoteState;
        _gossip.Start();
        _market.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _network.Host.RemoveHandler(LeaseProtocol.ProtocolId);
        _network.Host.RemoveHandler(BidProtocol.ProtocolId);
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        // Disposed twice: as a singleton and as the hosted service the factory returned.
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_gossip is not null) await _gossip.DisposeAsync();
        if (_market is not null) await _market.DisposeAsync();
    }

    /// <summary>What this node can quote now: its loaded models at its price, their free slots, and whether it is leased.</summary>
    private NodeQuoteState QuoteState()
    {
        if (_services.GetService<NodeService>() is not { } node || node.ServingHandler is null) return new NodeQuoteState([], 0, true);
        var engine = node.Engine;
        var models = engine.Models.Select(m => new OfferedModel { Hash = m.Hash, Name = m.Name, Task = m.Task, PricePerRequest = PricePerRequest }).ToList();
        var free = engine.Models.Sum(m => engine.Statistics(m.Hash) is { } s ? Math.Max(0, s.MaxConcurrency - s.Running) : 0);
        return new NodeQuoteState(models, (uint)free, Market.Leases.Current(_time.GetUtcNow()) is not null);
    }
}
