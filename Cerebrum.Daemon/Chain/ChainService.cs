using System.Diagnostics.Metrics;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Genesis;
using Cerebrum.Core.Chain.Gossip;
using Cerebrum.Core.Chain.Sync;
using Cerebrum.Core.Common;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Network;
using Cerebrum.Daemon.PubSub;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Chain;

/// <summary>
/// Hosts the daemon's view of the ledger, in every mode that has a genesis file: opens <see cref="ChainNode"/> on
/// <c>DIR/chain.db</c>, serves <c>/cerebrum/sync/1.0.0</c>, starts the chain's <see cref="ChainGossip"/> and runs its
/// <see cref="ChainSyncLoop"/> until shutdown begins. Registered before the <see cref="NetworkService"/> (so before
/// <see cref="PubSubService"/>): the ledger is open and its handler and topic validators are in place before peers
/// arrive and the topics are joined; it is stopped last.
/// </summary>
public sealed class ChainService : IHostedService, IAsyncDisposable
{
    private readonly NetworkService _network;
    private readonly PubSubService _pubSub;
    private readonly ChainOptions _options;
    private readonly NetworkPreset? _preset;
    private readonly DataDirectory _dataDirectory;
    private readonly ChainGenesisFile _genesisFile;
    private readonly TimeProvider _time;
    private readonly ILogger<ChainService> _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly IMeterFactory _meterFactory;
    private readonly BackgroundTasks _tasks;
    private readonly CancellationToken _applicationStopping;
    private ChainNode? _chain;
    private ChainSyncLoop? _sync;
    private ChainGossip? _gossip;
    private int _disposed;

    public ChainService(NetworkService network, PubSubService pubSub, DaemonOptions options, DataDirectory dataDirectory, ChainGenesisFile genesisFile,
        TimeProvider time, ILoggerFactory loggerFactory, IHostApplicationLifetime lifetime, IMeterFactory meterFactory)
    {
        _meterFactory = meterFactory;
        // Registered before the network service, so stopped after it: the sync loop ends as soon as shutdown begins.
        _applicationStopping = lifetime.ApplicationStopping;
        _network = network;
        _pubSub = pubSub;
        _options = options.Chain;
        _preset = options.Network.Preset is { } presetName ? NetworkPreset.Find(presetName) : null;
        _dataDirectory = dataDirectory;
        _genesisFile = genesisFile;
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ChainService>();
        _tasks = new BackgroundTasks(_logger);
    }

    /// <summary>The ledger; available once the service started.</summary>
    public ChainNode Chain => _chain ?? throw new InvalidOperationException("the chain service has not started");

    /// <summary>Whether the ledger is open (the service started).</summary>
    public bool IsOpen => _chain is not null;

    /// <summary>Whether the ledger recounts its supply after every block (<c>Chain:AuditSupply</c>).</summary>
    public bool AuditsSupply => _options.AuditSupply;

    /// <summary>The ledger's gossip (submit transactions here); available once the service started.</summary>
    public ChainGossip Gossip => _gossip ?? throw new InvalidOperationException("the chain service has not started");

    /// <summary>True while a peer or gossip has shown a higher height than this view has reached.</summary>
    public bool IsSyncing => _sync?.IsSyncing ?? false;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _chain = ChainNode.Open(new ChainNodeOptions
            {
                DataDirectory = _dataDirectory.Root,
                Genesis = GenesisDocument.Load(_genesisFile.Path),
                AuditSupply = _options.AuditSupply,
            }, _meterFactory);
        }
        catch (ChainException e)
        {
            throw new InvalidOperationException($"cannot open the ledger (genesis {_genesisFile.Path}, store {_dataDirectory.ChainStorePath}): {e.Message}", e);
        }
        var status = _chain.Status;
        if (_preset is { } preset && status.ChainId != preset.ChainId)
        {
            _chain.Dispose();
            _chain = null;
            throw new InvalidOperationException($"the genesis {_genesisFile.Path} is of chain '{status.ChainId}', not of network {preset.Name}'s '{preset.ChainId}' (Network:Preset, --network)");
        }
        _logger.LogInformation("Ledger {ChainId} open at height {Height} (genesis {Genesis})", status.ChainId, status.Height, _genesisFile.Path);
        if (_options.AuditSupply) _chain.BlockCommitted += ReportSupplyMismatch;

        new SyncProtocolHandler(_chain).Register(_network.Host);
        _sync = new ChainSyncLoop(_network.Host, _chain, _options.SyncInterval, _time, _loggerFactory);
        _gossip = new ChainGossip(_pubSub.Router, _chain, _sync, _options.Consensus, _time, _loggerFactory.CreateLogger<ChainGossip>());
        _gossip.Start();
        var sync = _sync;
        _tasks.Run("chain sync", async stopping =>
        {
            using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(stopping, _applicationStopping);
            await sync.RunAsync(shutdown.Token);
        });
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _network.Host.RemoveHandler(SyncProtocolHandler.ProtocolId);
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_gossip is not null) await _gossip.DisposeAsync();
        await _tasks.DisposeAsync();
        _chain?.Dispose();
    }

    private void ReportSupplyMismatch(object? sender, BlockCommittedEventArgs committed)
    {
        var audit = _chain!.SupplyAudit;
        if (audit.FirstMismatchHeight == committed.Status.Height)
            _logger.LogCritical("The supply changed at block {Height}: {Total} micro-CER, genesis created {Genesis}", audit.FirstMismatchHeight, audit.MismatchTotal, _chain.GenesisSupply);
    }
}
