using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Status;
using Cerebrum.Core.PubSub;
using Cerebrum.Daemon.Chain;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Network;
using Cerebrum.Daemon.PubSub;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Status;

/// <summary>
/// In every mode: validates the heartbeats on <c>cerebrum/1/status</c> (<see cref="NodeStatusValidator"/>) and keeps
/// each node's latest one in a <see cref="NodeStatusBook"/>, which <c>GET /nodes</c> lists. A status that is valid but
/// not newer than the one held for its node (a replay, or an older one overtaken in the mesh), too soon after it, from an
/// IP that has its share of unregistered keys, or that finds the book full of nodes ranking at least as high is ignored
/// (not relayed). With a ledger, a node ranks by its standing on it (Active, Registered, unregistered), then by its
/// peer's gossip score. Registered before <see cref="PubSubService"/>, so the validator is in place before the topic is joined.
/// </summary>
public sealed class NodeDirectoryService : IHostedService
{
    public const string Topic = "cerebrum/1/status";

    private readonly PubSubService _pubSub;
    private readonly NetworkService _network;
    private readonly TimeProvider _time;
    private readonly ILogger<NodeDirectoryService> _logger;
    private readonly NodeStatusValidator _validator = new();
    private readonly ChainService? _chain;

    /// <param name="chain">The daemon's ledger, when it keeps one: nodes registered on it rank above unregistered keys in the book.</param>
    public NodeDirectoryService(PubSubService pubSub, NetworkService network, DaemonOptions options, TimeProvider time, ILogger<NodeDirectoryService> logger, ChainService? chain = null)
    {
        _pubSub = pubSub;
        _network = network;
        _time = time;
        _logger = logger;
        _chain = chain;
        Book = new NodeStatusBook(new NodeStatusBookOptions
        {
            Capacity = options.PubSub.MaxNodeStatuses,
            Expiry = options.PubSub.NodeStatusExpiry,
            MinInterval = options.PubSub.NodeStatusMinInterval,
            MaxUnregisteredKeysPerIp = options.PubSub.MaxUnregisteredNodeStatusesPerIp,
        }, time, PriorityOf);
    }

    /// <summary>The latest status of each node heard from (this one included when it runs node mode).</summary>
    public NodeStatusBook Book { get; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _pubSub.Router.RegisterValidator(Topic, ValidateAsync);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _pubSub.Router.UnregisterValidator(Topic);
        return Task.CompletedTask;
    }

    /// <summary>The gossip validator: the payload's verdict, and on acceptance the status recorded as its node's latest.</summary>
    public ValueTask<ValidationResult> ValidateAsync(PubSubMessage message, CancellationToken cancellationToken)
    {
        var verdict = _validator.Validate(message.Data.Span, _time.GetUtcNow());
        if (verdict.Status is { } status)
        {
            // The connection's IP when the node delivered its own status, else the IP its status signs.
            var direct = message.ReceivedFrom == status.Node ? _network.Host.FindConnection(status.Node)?.RemoteAddress : null;
            if (Book.TryRecord(status, NodeStatusOrigin.Of(status, direct)) is { } stale)
            {
                _logger.LogDebug("Ignoring a status of {Node} from {Peer}: {Reason}", status.Node, message.ReceivedFrom, stale);
                return ValueTask.FromResult(ValidationResult.Ignore);
            }
            // A node heard of only through the mesh is dialled at the addresses it signed, when a job is routed to it.
            if (status.Addresses.Count > 0 && status.Node != _network.Host.PeerId)
                _network.Host.PeerStore.AddAddresses(status.Node, status.Addresses);
            return ValueTask.FromResult(ValidationResult.Accept);
        }
        _logger.LogDebug("{Verdict} a status from {Peer}: {Reason}", verdict.Result, message.ReceivedFrom, verdict.Reason);
        return ValueTask.FromResult(verdict.Result);
    }

    /// <summary>A node's rank in a full book: its standing on the ledger (unregistered without one), then its peer's gossip score.</summary>
    private NodeStatusPriority PriorityOf(PeerId node)
    {
        var standing = _chain is { IsOpen: true } chain
            ? chain.Chain.GetNode(node) switch
            {
                null => NodeStatusStanding.Unregistered,
                { Lifecycle: NodeLifecycle.Active } => NodeStatusStanding.Active,
                _ => NodeStatusStanding.Registered,
            }
            : NodeStatusStanding.Unregistered;
        return new NodeStatusPriority(standing, _pubSub.Router.GetScore(node));
    }
}
