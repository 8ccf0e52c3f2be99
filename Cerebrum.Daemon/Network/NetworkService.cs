using System.Diagnostics.Metrics;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Daemon.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Network;

/// <summary>
/// The daemon's libp2p presence: owns the network <see cref="PeerHost"/> for the daemon's lifetime, and keeps
/// connections to the bootstrap peers. Stopping it closes every connection gracefully.
/// </summary>
public sealed class NetworkService : IHostedService, IAsyncDisposable
{
    private readonly NetworkOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<NetworkService> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task _bootstrap = Task.CompletedTask;
    private bool _disposed;

    public NetworkService(PrivateKey identity, DaemonOptions options, TimeProvider time, ILoggerFactory loggerFactory, IMeterFactory meterFactory)
    {
        _options = options.Network;
        _time = time;
        _logger = loggerFactory.CreateLogger<NetworkService>();
        Host = new PeerHost(new PeerHostOptions
        {
            Identity = identity,
            ListenAddresses = [.. _options.ListenAddresses.Select(Multiaddress.Parse)],
            AnnounceAddresses = [.. _options.AnnounceAddresses.Select(Multiaddress.Parse)],
            AgentVersion = DaemonVersion.AgentVersion,
            DialTimeout = _options.DialTimeout,
            DialBackoffBase = _options.DialBackoffBase,
            DialBackoffMax = _options.DialBackoffMax,
            Perf = _options.Perf.ToPerfOptions(),
            Resources = _options.Resources.ToResourceManagerOptions(),
            Time = time,
        }, loggerFactory, meterFactory);
    }

    public PeerHost Host { get; }

    public PeerId PeerId => Host.PeerId;

    public string AgentVersion => DaemonVersion.AgentVersion;

    public DateTimeOffset StartedAt => Host.StartedAt;

    /// <summary>Bound listen addresses (actual ports) with /p2p/&lt;peer-id&gt; appended: what peers dial.</summary>
    public IReadOnlyList<string> AnnouncedListenAddresses => [.. Host.ListenAddresses.Select(a => a.WithPeerId(PeerId).ToString())];

    public int ConnectedPeerCount => Host.Connections.Select(c => c.RemotePeer).Distinct().Count();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        NativeSecp256k1.LogIfFallback(_logger);
        await Host.StartAsync(cancellationToken);
        var dialers = _options.BootstrapPeers
            .Select(address => new BootstrapDialer(Host, Multiaddress.Parse(address), _options, _time, _logger))
            .Select(dialer => dialer.RunAsync(_stopping.Token))
            .ToArray();
        _bootstrap = Task.WhenAll(dialers);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _bootstrap.WaitAsync(cancellationToken);
        await Host.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        await _stopping.CancelAsync();
        await _bootstrap;
        await Host.DisposeAsync();
        _stopping.Dispose();
    }
}
