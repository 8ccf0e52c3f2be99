using System.Diagnostics.Metrics;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Streams;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Network;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Node;

/// <summary>
/// Node mode: opens the data directory's <see cref="ModelStore"/>, loads the configured models into an
/// <see cref="InferenceEngine"/> and answers <c>/cerebrum/infer/1.0.0</c> on the network host. Registered after the
/// <see cref="NetworkService"/>, so it starts once the host listens and stops before it: stopping refuses new streams,
/// waits for the jobs in flight to be answered, then unloads the models.
/// </summary>
public sealed class NodeService : IHostedService, IAsyncDisposable
{
    private readonly DataDirectory _dataDirectory;
    private readonly NodeOptions _options;
    private readonly PrivateKey _identity;
    private readonly NetworkService _network;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly IMeterFactory _meterFactory;
    private readonly ILogger<NodeService> _logger;
    private ModelStore? _store;
    private InferenceEngine? _engine;
    private InferProtocolHandler? _handler;
    private bool _serving;

    public NodeService(DataDirectory dataDirectory, DaemonOptions options, PrivateKey identity, NetworkService network, TimeProvider time, ILoggerFactory loggerFactory,
        IMeterFactory meterFactory)
    {
        _meterFactory = meterFactory;
        _dataDirectory = dataDirectory;
        _options = options.Node;
        _identity = identity;
        _network = network;
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<NodeService>();
    }

    /// <summary>The running engine.</summary>
    /// <exception cref="InvalidOperationException">The service has not started.</exception>
    public InferenceEngine Engine => _engine ?? throw new InvalidOperationException("node mode has not started");

    /// <summary>The infer handler while the node serves jobs; null before start and once stopping.</summary>
    public InferProtocolHandler? ServingHandler => Volatile.Read(ref _serving) ? _handler : null;

    /// <summary>Jobs answered since start-up, over the network and for this daemon's own gateway.</summary>
    public InferJobCounters Jobs => (_handler ?? throw new InvalidOperationException("node mode has not started")).Counters;

    /// <exception cref="IOException">The model store cannot be opened.</exception>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _store = ModelStoreAccess.Open(_dataDirectory);
        var models = NodeEngineOptions.ModelsToServe(_options, _store);
        _engine = InferenceEngine.Start(NodeEngineOptions.From(_options, models), _store, _loggerFactory.CreateLogger<InferenceEngine>(), _time, _meterFactory);
        _handler = new InferProtocolHandler(_engine, _identity, _loggerFactory.CreateLogger<InferProtocolHandler>(), _time, _meterFactory, _options.Limits.ToBudgetOptions());
        _network.Host.SetHandler(InferProtocolHandler.ProtocolId, HandleStreamAsync);
        Volatile.Write(ref _serving, true);
        if (_engine.Models.Count == 0)
            _logger.LogWarning("Node mode serves no model: add one with 'cerebrum model add --builtin {Builtin} --data-dir {Dir}' and restart",
                BuiltinModels.AllMiniLmL6V2, _dataDirectory.Root);
        foreach (var model in _engine.Models)
        {
            _logger.LogInformation("Serving model {Name} ({Hash}) on {Protocol}", model.Name, model.Hash, InferProtocolHandler.ProtocolId);
            // Gateways and `cerebrum job` find us through the DHT's provider records, without waiting for heartbeats.
            _network.Reachability.Dht.Provide(model.Hash);
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _serving, false);
        _network.Host.RemoveHandler(InferProtocolHandler.ProtocolId);
        foreach (var model in _engine?.Models ?? [])
            _network.Reachability.Dht.StopProviding(model.Hash);
        if (_handler is { } handler && handler.Counters.InFlight > 0)
        {
            _logger.LogInformation("Draining {Count} inference job(s) in flight", handler.Counters.InFlight);
            try
            {
                await handler.Counters.WhenIdleAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                _logger.LogWarning("Shutdown timeout: {Count} inference job(s) still in flight are abandoned", handler.Counters.InFlight);
            }
        }
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_engine is { } engine)
        {
            _engine = null;
            await engine.DisposeAsync();
        }
        _store?.Dispose();
        _store = null;
    }

    private async Task HandleStreamAsync(ProtocolStream stream, CancellationToken ct)
    {
        await _handler!.HandleAsync(stream.Stream, stream.Connection.RemotePeer, ct);
        await stream.CompleteWritesAsync(ct);
    }
}
