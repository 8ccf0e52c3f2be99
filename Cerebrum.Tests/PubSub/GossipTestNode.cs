using Cerebrum.Core.Network;
using Cerebrum.Core.PubSub;

namespace Cerebrum.Tests.PubSub;

/// <summary>A host with a gossip router bound to it, disposed in the right order (binding, router, host).</summary>
internal sealed record GossipTestNode(PeerHost Host, GossipRouter Router, GossipHostBinding Binding) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await Binding.DisposeAsync();
        await Router.DisposeAsync();
        await Host.DisposeAsync();
    }
}
