using Cerebrum.Cli.Network;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.PubSub;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Cli.Commands.PubSub;

/// <summary>
/// A throwaway gossipsub node: a dial-only host with a fresh Ed25519 identity, a router bound to it before the one
/// dial, so the peer's gossipsub stream always finds our handler. Dial failures become one-line errors.
/// </summary>
public sealed class PubSubPeer : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private readonly PrivateKey _identity;
    private readonly PeerHost _host;
    private readonly GossipHostBinding _binding;
    private readonly CancellationTokenSource _disconnected = new();

    private PubSubPeer(PrivateKey identity, PeerHost host, GossipRouter router, GossipHostBinding binding, PeerId remote)
    {
        _identity = identity;
        _host = host;
        Router = router;
        _binding = binding;
        Remote = remote;
        _host.ConnectionClosed += OnConnectionClosed;
        // The connection may already have closed before the handler was attached.
        if (_host.FindConnection(remote) is null) _disconnected.Cancel();
    }

    /// <summary>Cancelled once we have no connection left to <see cref="Remote"/>.</summary>
    public CancellationToken Disconnected => _disconnected.Token;

    private void OnConnectionClosed(object? sender, ConnectionEventArgs e)
    {
        if (e.Connection.RemotePeer == Remote && _host.FindConnection(Remote) is null) _disconnected.Cancel();
    }

    public GossipRouter Router { get; }

    /// <summary>The peer joined through.</summary>
    public PeerId Remote { get; }

    /// <summary>Router options for <paramref name="topic"/>: <c>cerebrum/...</c> topics StrictNoSign (as the daemon), others StrictSign.</summary>
    public static GossipsubOptions RouterOptions(string topic) => new()
    {
        Topics = new Dictionary<string, TopicOptions>(StringComparer.Ordinal)
        {
            [topic] = new() { SignaturePolicy = topic.StartsWith("cerebrum/", StringComparison.Ordinal) ? SignaturePolicy.StrictNoSign : SignaturePolicy.StrictSign },
        },
    };

    public static async Task<PubSubPeer> JoinAsync(string addressText, string topic, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!Multiaddress.TryParse(addressText, out var address, out var parseError))
            throw new CommandFailedException($"invalid address: {parseError}");
        var identity = PrivateKey.Generate(KeyType.Ed25519);
        var host = new PeerHost(new PeerHostOptions
        {
            Identity = identity,
            AgentVersion = DirectConnection.AgentVersion,
            DialTimeout = timeout,
            HandshakeTimeout = timeout,
            StreamNegotiationTimeout = timeout,
            DialBackoffBase = TimeSpan.Zero,
            PingInterval = TimeSpan.Zero,
        }, NullLoggerFactory.Instance);
        var router = new GossipRouter(identity, RouterOptions(topic));
        var binding = new GossipHostBinding(host, router);
        try
        {
            router.Start();
            binding.Start();
            await host.StartAsync(cancellationToken);
            using var dialTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            dialTimeout.CancelAfter(timeout * 2);
            var connection = await host.DialAsync(address, dialTimeout.Token);
            return new PubSubPeer(identity, host, router, binding, connection.RemotePeer);
        }
        catch (Exception e)
        {
            await DisposeAsync(binding, router, host, identity);
            throw e switch
            {
                DialException dial => new CommandFailedException(DialFailureText.Describe(dial)),
                OperationCanceledException when !cancellationToken.IsCancellationRequested =>
                    new CommandFailedException($"unreachable: no connection to {address} within {(timeout * 2).TotalSeconds:0.#} s"),
                _ => e,
            };
        }
    }

    /// <summary>
    /// Waits until <paramref name="topic"/> has a peer to publish to (with flood publishing any peer subscribed to it,
    /// else a mesh peer) and returns them.
    /// </summary>
    /// <exception cref="CommandFailedException">None within <paramref name="timeout"/>.</exception>
    public async Task<IReadOnlyCollection<PeerId>> WaitForPublishTargetsAsync(string topic, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var ready = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ready.CancelAfter(timeout);
        try
        {
            IReadOnlyCollection<PeerId> targets;
            while ((targets = Router.Options.FloodPublish ? Router.GetTopicPeers(topic) : Router.GetMeshPeers(topic)).Count == 0)
                await Task.Delay(PollInterval, ready.Token);
            return targets;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CommandFailedException($"timeout: no peer subscribed to {topic} through {Remote} within {timeout.TotalSeconds:0.#} s");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _host.ConnectionClosed -= OnConnectionClosed;
        await DisposeAsync(_binding, Router, _host, _identity);
        _disconnected.Dispose();
    }

    private static async ValueTask DisposeAsync(GossipHostBinding binding, GossipRouter router, PeerHost host, PrivateKey identity)
    {
        await binding.DisposeAsync();
        await router.DisposeAsync();
        await host.DisposeAsync();
        identity.Dispose();
    }
}
