using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.PubSub;

namespace Cerebrum.Bench.Gossip;

/// <summary>A host on a loopback ephemeral port with a gossipsub router bound to it, Ed25519 identity.</summary>
internal sealed class BenchNode : IAsyncDisposable
{
    private BenchNode(PeerHost host, GossipRouter router, GossipHostBinding binding)
    {
        Host = host;
        Router = router;
        Binding = binding;
    }

    public PeerHost Host { get; }

    public GossipRouter Router { get; }

    public GossipHostBinding Binding { get; }

    public Multiaddress Address => Host.ListenAddresses[0].WithPeerId(Host.PeerId);

    public static async Task<BenchNode> StartAsync(GossipsubOptions options, int seed)
    {
        var host = new PeerHost(new PeerHostOptions
        {
            Identity = PrivateKey.Generate(KeyType.Ed25519),
            ListenAddresses = [Multiaddress.Parse("/ip4/127.0.0.1/tcp/0")],
            AgentVersion = "cerebrum-gossip-bench/1.0",
            PingInterval = TimeSpan.Zero,
        });
        await host.StartAsync();
        var router = new GossipRouter(host.Identity, options, random: new Random(seed));
        router.Start();
        var binding = new GossipHostBinding(host, router);
        binding.Start();
        return new BenchNode(host, router, binding);
    }

    public async ValueTask DisposeAsync()
    {
        await Binding.DisposeAsync();
        await Router.DisposeAsync();
        await Host.DisposeAsync();
        Host.Identity.Dispose();
    }
}
