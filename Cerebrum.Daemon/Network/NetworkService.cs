using Cerebrum.Core.Crypto;
using Cerebrum.Daemon.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Network;

/// <summary>The daemon's libp2p presence: owns the network host for the daemon's lifetime.</summary>
public sealed class NetworkService : IHostedService
{
    private readonly PrivateKey _identity;
    private readonly NetworkOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<NetworkService> _logger;

    public NetworkService(PrivateKey identity, DaemonOptions options, TimeProvider time, ILogger<NetworkService> logger)
    {
        _identity = identity;
        _options = options.Network;
        _time = time;
        _logger = logger;
        StartedAt = time.GetUtcNow();
    }

    public PeerId PeerId => _identity.PeerId;

    public string AgentVersion => DaemonVersion.AgentVersion;

    public DateTimeOffset StartedAt { get; private set; }

    /// <summary>Bound listen addresses with /p2p/&lt;peer-id&gt; appended: what peers should dial.</summary>
    public IReadOnlyList<string> AnnouncedListenAddresses { get; private set; } = [];

    public int ConnectedPeerCount => 0;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        StartedAt = _time.GetUtcNow();
        _logger.LogInformation("peer id {PeerId}, listen addresses {ListenAddresses}", PeerId, _options.ListenAddresses);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
