using System.Diagnostics.Metrics;
using Cerebrum.Core.Chain.Gossip;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Operator.Admin;
using Cerebrum.Core.PubSub;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Network;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.PubSub;

/// <summary>
/// The daemon's gossipsub router: bound to the <see cref="NetworkService"/>'s host, joined to the configured topics
/// (the <c>cerebrum/1/*</c> topics use StrictNoSign, any other StrictSign). It gives the host its peer scores, so the
/// connection manager drops low scorers first, and bans peers whose score falls below the graylist threshold.
/// Registered after <see cref="NetworkService"/>, so it starts after the host and stops before it.
/// </summary>
public sealed class PubSubService : IHostedService, IAsyncDisposable
{
    private readonly NetworkService _network;
    private readonly PubSubOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PubSubService> _logger;
    private readonly PeerScoreThresholds _thresholds = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, long> _received = new(StringComparer.Ordinal);
    private readonly List<Subscription> _subscriptions = [];
    private readonly GossipHostBinding _binding;
    private Task _work = Task.CompletedTask;
    private bool _disposed;

    public PubSubService(NetworkService network, PrivateKey identity, DaemonOptions options, TimeProvider time, ILoggerFactory loggerFactory, IMeterFactory meterFactory)
    {
        _network = network;
        _options = options.PubSub;
        _time = time;
        _logger = loggerFactory.CreateLogger<PubSubService>();
        Router = new GossipRouter(identity, CreateRouterOptions(_options.Topics), CreateScoreParams(_options.Topics), _thresholds, time,
            loggerFactory.CreateLogger<GossipRouter>(), meterFactory: meterFactory);
        _binding = new GossipHostBinding(network.Host, Router, loggerFactory.CreateLogger<GossipHostBinding>());
    }

    public GossipRouter Router { get; }

    /// <summary>The joined topics, in configuration order.</summary>
    public IReadOnlyList<string> Topics => _options.Topics;

    /// <summary>
    /// Router options for <paramref name="topics"/>: <c>cerebrum/1/*</c> topics StrictNoSign, every other topic StrictSign;
    /// consensus messages a validator ignores (not yet of use) are judged again when they come again.
    /// </summary>
    public static GossipsubOptions CreateRouterOptions(IEnumerable<string> topics) => new()
    {
        Topics = topics.Distinct(StringComparer.Ordinal).ToDictionary(
            topic => topic,
            topic => new TopicOptions
            {
                SignaturePolicy = IsCerebrumTopic(topic) ? SignaturePolicy.StrictNoSign : SignaturePolicy.StrictSign,
                RejudgeIgnored = topic == ChainTopics.Consensus,
            },
            StringComparer.Ordinal),
    };

    /// <summary>
    /// Score parameters for <paramref name="topics"/>. A peer that leaves gracefully PRUNEs us with a backoff; restarted
    /// within it, it has forgotten the backoff and GRAFTs every topic again (two behaviour penalties per topic, GRAFT
    /// flood included). The threshold forgives that one restart, so a restarted validator is not graylisted and banned.
    /// </summary>
    public static PeerScoreParams CreateScoreParams(IReadOnlyCollection<string> topics) => new()
    {
        BehaviourPenaltyThreshold = 2 * topics.Distinct(StringComparer.Ordinal).Count(),
    };

    public static bool IsCerebrumTopic(string topic) => topic.StartsWith("cerebrum/", StringComparison.Ordinal);

    /// <summary>Mesh and topic peer counts and messages received, per joined topic.</summary>
    public IReadOnlyList<PubSubTopicStatus> GetTopicStatus()
    {
        lock (_received)
        {
            return [.. _options.Topics.Select(topic => new PubSubTopicStatus(topic, Router.GetMeshPeers(topic).Count,
                Router.GetTopicPeers(topic).Count, _received.GetValueOrDefault(topic)))];
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var host = _network.Host;
        host.PeerScorer = Router.GetScore;
        Router.Start();
        _binding.Start();
        var loops = new List<Task>();
        foreach (var topic in _options.Topics)
        {
            var subscription = await Router.SubscribeAsync(topic);
            _subscriptions.Add(subscription);
            loops.Add(CountAsync(subscription, _stopping.Token));
        }
        loops.Add(BanGraylistedAsync(_stopping.Token));
        _work = Task.WhenAll(loops);
        _logger.LogInformation("Joined pubsub topics {Topics}", string.Join(", ", _options.Topics));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        foreach (var subscription in _subscriptions) subscription.Dispose();
        await _work.WaitAsync(cancellationToken);
        _network.Host.PeerScorer = null;
        await _binding.DisposeAsync();
        await Router.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await _stopping.CancelAsync();
        foreach (var subscription in _subscriptions) subscription.Dispose();
        await _work;
        await _binding.DisposeAsync();
        await Router.DisposeAsync();
        _stopping.Dispose();
    }

    /// <summary>Drains a joined topic's messages (no consumer in the daemon yet) and counts them.</summary>
    private async Task CountAsync(Subscription subscription, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var _ in subscription.Messages(cancellationToken))
            {
                lock (_received) _received[subscription.Topic] = _received.GetValueOrDefault(subscription.Topic) + 1;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Every heartbeat: connected peers scored below the graylist threshold are disconnected and banned.</summary>
    private async Task BanGraylistedAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Router.Options.HeartbeatInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                foreach (var peer in _network.Host.Connections.Select(c => c.RemotePeer).Distinct().ToArray())
                {
                    var score = Router.GetScore(peer);
                    if (score >= _thresholds.GraylistThreshold) continue;
                    _logger.LogWarning("Banning {Peer} for {Duration}: its gossipsub score {Score:0.##} is below the graylist threshold", peer, _options.BanDuration, score);
                    await _network.Host.BanAsync(peer, _options.BanDuration);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
