using System.Diagnostics.Metrics;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Verification;
using Cerebrum.Daemon.Chain;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Network;
using Cerebrum.Daemon.Node;
using Cerebrum.Daemon.PubSub;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Verification;

/// <summary>
/// Validator mode's checks of nodes: hosts the <see cref="NodeVerifier"/> with the <c>Verification</c> section's settings.
/// Canaries and dispute re-execution run on the models this daemon holds: its node's engine when it is also a node, else an
/// engine of its own over <c>DIR/models</c> (none stored: no canaries); they are sent by a <see cref="StrangerCanaryClient"/>.
/// </summary>
public sealed class NodeVerifierService : IHostedService, IAsyncDisposable
{
    private readonly NetworkService _network;
    private readonly PubSubService _pubSub;
    private readonly ChainService _chain;
    private readonly PrivateKey _identity;
    private readonly DaemonOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly IServiceProvider _services;
    private readonly DataDirectory _dataDirectory;
    private StrangerCanaryClient? _canaries;
    private InferenceEngine? _ownEngine;
    private Core.Inference.Store.ModelStore? _ownStore;

    public NodeVerifierService(NetworkService network, PubSubService pubSub, ChainService chain, PrivateKey identity, DaemonOptions options, TimeProvider time,
        ILoggerFactory loggerFactory, IServiceProvider services, DataDirectory dataDirectory)
    {
        _services = services;
        _dataDirectory = dataDirectory;
        _network = network;
        _pubSub = pubSub;
        _chain = chain;
        _identity = identity;
        _options = options;
        _time = time;
        _loggerFactory = loggerFactory;
    }

    /// <summary>The throwaway identities canaries are sent from; null when this validator sends none.</summary>
    public StrangerCanaryClient? Canaries => _canaries;

    /// <summary>The running verifier; null before start.</summary>
    public NodeVerifier? Verifier { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Verifier = new NodeVerifier(_identity, _network.Host, _pubSub.Router, _chain.Chain, _chain.Gossip, _options.Verification, _time,
            _loggerFactory.CreateLogger<NodeVerifier>());
        if (Engine() is { } engine)
        {
            var verifier = Verifier;
            _canaries = new StrangerCanaryClient(_network.Host, _chain.Chain, _chain.Gossip.Submit, verifier.SubmitSigned, _dataDirectory.Root, _options.Verification,
                _time, _loggerFactory);
            Verifier.EnableCanaries(new CanaryReference(engine, _time, _options.Verification.StepTimeout), _canaries);
            _canaries.Start();
        }
        Verifier.Start();
        return Task.CompletedTask;
    }

    /// <summary>The node's engine when this daemon is also a node; else its own over the stored models (null when there are none).</summary>
    private InferenceEngine? Engine()
    {
        if (_services.GetService<NodeService>() is { } node) return node.Engine;
        _ownStore = ModelStoreAccess.Open(_dataDirectory);
        var models = _ownStore.List().Select(m => m.Hash).ToList();
        if (models.Count == 0)
        {
            _ownStore.Dispose();
            _ownStore = null;
            return null;
        }
        return _ownEngine = InferenceEngine.Start(NodeEngineOptions.From(_options.Node, models), _ownStore, _loggerFactory.CreateLogger<InferenceEngine>(), _time,
            _services.GetService<IMeterFactory>());
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (Verifier is { } verifier)
        {
            Verifier = null;
            await verifier.DisposeAsync();
        }
        if (_canaries is not null) await _canaries.DisposeAsync();
        _canaries = null;
        if (_ownEngine is not null) await _ownEngine.DisposeAsync();
        _ownEngine = null;
        _ownStore?.Dispose();
        _ownStore = null;
    }
}
