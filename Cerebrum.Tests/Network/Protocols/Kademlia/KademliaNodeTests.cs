using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Protocols.Kademlia;

namespace Cerebrum.Tests.Network.Protocols.Kademlia;

/// <summary>
/// Running DHT nodes with concurrent lookups over an asynchronous in-memory transport (every request encoded and
/// decoded): bootstrap, provide, find providers and find a peer's addresses, with unreachable peers skipped.
/// </summary>
[TestFixture]
public sealed class KademliaNodeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private sealed class Network
    {
        public Dictionary<PeerId, KademliaNode> Nodes { get; } = [];
        public HashSet<PeerId> Offline { get; } = [];
        public Dictionary<PeerId, Multiaddress> Addresses { get; } = [];
        public List<PrivateKey> Keys { get; } = [];

        public KademliaNode Add(KademliaOptions options)
        {
            var key = PrivateKey.Generate(KeyType.Ed25519);
            Keys.Add(key);
            var self = key.PeerId;
            Addresses[self] = Multiaddress.Parse($"/ip4/10.0.{Nodes.Count / 250}.{Nodes.Count % 250 + 1}/tcp/4001");
            var core = new KademliaCore(self, options, peer => Addresses.TryGetValue(peer, out var a) ? [a] : []);
            var node = new KademliaNode(core, (peer, request, ct) => SendAsync(self, peer, request, options, ct), () => [Addresses[self]], TimeProvider.System, new Random(Nodes.Count));
            Nodes[self] = node;
            return node;
        }

        private async Task<KademliaMessage?> SendAsync(PeerId from, PeerId to, KademliaMessage request, KademliaOptions options, CancellationToken ct)
        {
            await Task.Yield();
            ct.ThrowIfCancellationRequested();
            if (Offline.Contains(to) || !Nodes.TryGetValue(to, out var target))
                throw new IOException($"{to} is unreachable");
            target.AddServer(from);
            var answer = target.Handle(from, KademliaMessages.Encode(request));
            return answer is null ? null : KademliaMessages.Decode(answer, options.MaxMessageSize, options.MaxRecordValueSize);
        }
    }

    [Test]
    public async Task Nodes_Bootstrap_Provide_AndFindProvidersAndPeers_Concurrently()
    {
        var network = new Network();
        var options = new KademliaOptions();
        try
        {
            var first = network.Add(options);
            for (var i = 1; i < 40; i++)
            {
                var node = network.Add(options);
                node.AddServer(first.Self);
                await node.MaintainAsync(CancellationToken.None).WaitAsync(Timeout);
            }
            var nodes = network.Nodes.Values.ToList();
            var provider = nodes[7];
            var model = ModelProviderKey.For("sha256:" + new string('e', 64));

            var stored = await provider.ProvideAsync(model, CancellationToken.None).WaitAsync(Timeout);
            network.Offline.Add(nodes[3].Self); // one peer goes away: lookups skip it
            var found = await Task.WhenAll(nodes.Where(n => n != provider && !network.Offline.Contains(n.Self))
                .Select(n => n.FindProvidersAsync(model, wanted: 1, CancellationToken.None))).WaitAsync(Timeout);
            var located = await nodes[0].FindPeerAsync(nodes[25].Self, CancellationToken.None).WaitAsync(Timeout);
            var stranger = PrivateKey.Generate(KeyType.Ed25519);
            network.Keys.Add(stranger);
            var gone = await nodes[0].FindPeerAsync(stranger.PeerId, CancellationToken.None).WaitAsync(Timeout);

            Assert.That(stored, Is.EqualTo(20), "stored on k peers");
            Assert.That(found, Has.All.Matches<IReadOnlyList<KademliaPeer>>(p => p.Any(x => x.Id == provider.Self && x.Addresses.Contains(network.Addresses[provider.Self]))),
                "every peer finds the provider with its address");
            Assert.That(located!.Addresses, Is.EqualTo(new[] { network.Addresses[nodes[25].Self] }));
            Assert.That(gone, Is.Null, "nobody knows a peer that never joined");
            Assert.That(nodes.All(n => n.RoutingTableSize > 10), Is.True);
            Assert.That(() => provider.ProvideAsync(new byte[] { 1, 2 }, CancellationToken.None), Throws.TypeOf<FormatException>());
        }
        finally
        {
            network.Keys.ForEach(k => k.Dispose());
        }
    }
}
