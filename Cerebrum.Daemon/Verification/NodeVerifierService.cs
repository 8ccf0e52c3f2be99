using Cerebrum.Core.Crypto;
using Cerebrum.Core.Verification;
using Cerebrum.Daemon.Chain;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Network;
using Cerebrum.Daemon.PubSub;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Verification;

/// <summary>Validator mode's checks of nodes: hosts the <see cref="NodeVerifier"/> with the <c>Verification</c> section's settings.</summary>
public sealed class NodeVerifierService : IHostedService, IAsyncDisposable
{
    private readonly NetworkService _network;
    private readonly PubSubService _pubSub;
    private readonly ChainService _chain;
    private readonly PrivateKey _identity;
    private readonly DaemonOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;

    public NodeVerifierService(NetworkService network, PubSubService pubSub, ChainService chain, PrivateKey identity, DaemonOptions options, TimeProvider time,
        ILoggerFactory loggerFactory)
    {
        _network = network;
        _pubSub = pubSub;
        _chain = chain;
        _identity = identity;
        _options = options;
        _time = time;
        _loggerFactory = loggerFactory;
    }

    /// <summary>The running verifier; null before start.</summary>
    public NodeVerifier? Verifier { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Verifier = new NodeVerifier(_identity, _network.Host, _pubSub.Router, _chain.Chain, _chain.Gossip, _options.Verification, _time,
            _loggerFactory.CreateLogger<NodeVerifier>());
        Verifier.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (Verifier is { } verifier)
        {
            Verifier = null;
            await verifier.DisposeAsync();
        }
    }
}
