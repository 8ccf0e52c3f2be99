using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Hardware;
using Cerebrum.Core.Inference.Status;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Market;
using Cerebrum.Daemon.Network;
using Cerebrum.Daemon.Node;
using Cerebrum.Daemon.PubSub;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Status;

/// <summary>
/// Node mode: publishes the node's signed <c>NodeStatus</c> on <c>cerebrum/1/status</c> at start and then every
/// <c>Node:HeartbeatInterval</c>. The hardware is probed once at start. Registered after <see cref="PubSubService"/>
/// and <see cref="NodeService"/>, so it starts once both run and stops before them.
/// </summary>
public sealed class NodeHeartbeatService : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    private readonly NodeService _node;
    private readonly PubSubService _pubSub;
    private readonly NetworkService _network;
    private readonly PrivateKey _identity;
    private readonly NodeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<NodeHeartbeatService> _logger;
    private readonly MarketService? _market;
    private readonly CancellationTokenSource _stopping = new();
    private Task _work = Task.CompletedTask;
    private HardwareInfo? _hardware;
    private ulong _sequence;
    private int _disposed;

    public NodeHeartbeatService(NodeService node, PubSubService pubSub, NetworkService network, PrivateKey identity, DaemonOptions options, TimeProvider time,
        ILogger<NodeHeartbeatService> logger, MarketService? market = null)
    {
        _market = market;
        _node = node;
        _network = network;
        _pubSub = pubSub;
        _identity = identity;
        _options = options.Node;
        _time = time;
        _logger = logger;
    }

    /// <summary>Heartbeats published since start-up.</summary>
    public ulong Published => Interlocked.Read(ref _sequence);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _hardware = await HardwareProbe.ProbeAsync(ProbeTimeout, cancellationToken);
        // A gateway that found this node through the DHT asks for the status it would otherwise wait to hear.
        _network.Host.SetHandler(NodeStatusProtocol.ProtocolId, (stream, ct) => NodeStatusProtocol.ServeAsync(stream, CreateSignedStatus(), ct));
        _work = RunAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _network.Host.RemoveHandler(NodeStatusProtocol.ProtocolId);
        await _stopping.CancelAsync();
        await _work.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        // Disposed twice: as a singleton and as the hosted service the factory returned.
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stopping.CancelAsync();
        await _work;
        _stopping.Dispose();
    }

    /// <summary>The status this node would announce now, with the next sequence number.</summary>
    public byte[] CreateSignedStatus()
    {
        var engine = _node.Engine;
        var models = engine.Models.Select(m => (m, engine.Statistics(m.Hash)));
        var status = NodeStatusFactory.Create(_identity.PeerId, _time.GetUtcNow(), Interlocked.Increment(ref _sequence), models,
            (ulong)_options.PricePerRequest, _hardware ?? throw new InvalidOperationException("the heartbeat has not started"),
            _network.Host.AdvertisedAddresses);
        // A leased node says so (and to whom), so gateways other than the tenant's route around it.
        if (_market is { IsOpen: true } market && market.Market.Leases.Current(_time.GetUtcNow()) is { } lease)
        {
            status.LeasedUntilUnixMs = lease.Until.ToUnixTimeMilliseconds();
            status.Tenant = Google.Protobuf.ByteString.CopyFrom(lease.Tenant.Bytes.Span);
        }
        return NodeStatusSigning.Sign(_identity, status);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval, _time);
        try
        {
            do
            {
                try
                {
                    await _pubSub.Router.PublishAsync(NodeDirectoryService.Topic, CreateSignedStatus(), cancellationToken);
                }
                catch (Exception e) when (e is InvalidOperationException or ArgumentException)
                {
                    _logger.LogWarning("Heartbeat not published on {Topic}: {Reason}", NodeDirectoryService.Topic, e.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
