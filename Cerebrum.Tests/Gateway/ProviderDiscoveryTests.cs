using System.Collections.Concurrent;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference.Hardware;
using Cerebrum.Core.Inference.Scheduling;
using Cerebrum.Core.Inference.Status;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Protocols.Kademlia;
using Cerebrum.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cerebrum.Tests.Gateway;

/// <summary>
/// A gateway learns routes from the DHT's provider records: it looks up a model's providers, dials those whose status
/// it does not hold, asks them for it (/cerebrum/status/1.0.0) and records what verifies, as if it had heard their
/// heartbeats; bounded and rate-limited, and a provider that answers with another node's status is not recorded.
/// </summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class ProviderDiscoveryTests
{
    private const string Model = "sha256:3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c";
    private static readonly HardwareInfo Hardware = new("Linux", "X64", "Test CPU", 8, 16L << 30, [], null);

    private sealed class Peer(PeerHost host, KademliaService dht) : IAsyncDisposable
    {
        public PeerHost Host { get; } = host;

        public KademliaService Dht { get; } = dht;

        public ValueTask DisposeAsync() => Host.DisposeAsync();
    }

    private static async Task<Peer> StartAsync(Func<PeerId, byte[]>? status = null)
    {
        KademliaService? dht = null;
        var host = await ReachabilityHosts.StartAsync(h =>
        {
            h.AddService(dht = new KademliaService(h, new KademliaServiceOptions { Dht = new KademliaOptions { RequestTimeout = TimeSpan.FromSeconds(5) } }, NullLogger.Instance));
            if (status is not null)
                h.SetHandler(NodeStatusProtocol.ProtocolId, (stream, ct) => NodeStatusProtocol.ServeAsync(stream, status(h.PeerId), ct));
        });
        return new Peer(host, dht!);
    }

    private static byte[] SignedStatus(PrivateKey key)
    {
        var model = new ModelInfo(Model, "add", 1, 8, 13, [], [], ModelTasks.Tensor, null, DateTimeOffset.UtcNow);
        return NodeStatusSigning.Sign(key, NodeStatusFactory.Create(key.PeerId, DateTimeOffset.UtcNow, 1, [(model, new ModelStatistics(0, 0, 0, 0, 0, 0, 0, 0, 2))], 0, Hardware));
    }

    private static ProviderDiscovery Discovery(Peer gateway, ConcurrentDictionary<PeerId, VerifiedNodeStatus> book, ProviderDiscoveryOptions? options = null) =>
        new(gateway.Host, gateway.Dht, options ?? new ProviderDiscoveryOptions(), book.ContainsKey, status => book.TryAdd(status.Node, status) ? null : "already held",
            new NodeStatusValidator(), TimeProvider.System, NullLogger.Instance);

    [Test]
    public async Task A_gateway_finds_a_node_it_never_heard_through_its_provider_record_and_routes_its_model()
    {
        using var nodeKey = PrivateKey.Generate(KeyType.Ed25519);
        await using var gateway = await StartAsync();
        await using var node = await StartNodeAsync(nodeKey);
        await ProvideThroughAsync(node, gateway);

        var book = new ConcurrentDictionary<PeerId, VerifiedNodeStatus>();
        var discovery = Discovery(gateway, book);
        discovery.Want("add"); // a name, not a hash: nothing to look up
        Assert.That(await discovery.RunRoundAsync([], CancellationToken.None).WaitAsync(TestHosts.Timeout), Is.Zero);
        Assert.That(discovery.Lookups, Is.Zero);

        discovery.Want(Model);
        Assert.That(await discovery.RunRoundAsync([], CancellationToken.None).WaitAsync(TestHosts.Timeout), Is.EqualTo(1));
        Assert.That(book.Keys, Is.EqualTo(new[] { nodeKey.PeerId }));
        var table = new Core.Gateway.RoutingTable(new RoutingOptions());
        table.Update([.. book.Values.Select(s => new NodeStatusEntry(s, DateTimeOffset.UtcNow))]);
        Assert.That(table.Routes(Model).Select(r => r.Node), Is.EqualTo(new[] { nodeKey.PeerId }));
        Assert.That(table.Routes("add"), Has.Count.EqualTo(1));

        // Rate limited: the model is not looked up again within ModelLookupInterval, asked for or routed.
        discovery.Want(Model);
        Assert.That(await discovery.RunRoundAsync([Model], CancellationToken.None).WaitAsync(TestHosts.Timeout), Is.Zero);
        Assert.That(discovery.Lookups, Is.EqualTo(1));
    }

    [Test]
    public async Task A_provider_answering_with_another_nodes_status_is_not_recorded_and_rounds_are_bounded()
    {
        using var victim = PrivateKey.Generate(KeyType.Ed25519);
        var replayed = SignedStatus(victim);
        await using var gateway = await StartAsync();
        await using var liar = await StartAsync(_ => replayed);
        await liar.Host.DialAsync(TestHosts.AddressOf(gateway.Host)).WaitAsync(TestHosts.Timeout);
        await Poll.UntilAsync(() => liar.Dht.Node.RoutingTableSize >= 1, TestHosts.Timeout);
        await liar.Dht.ProvideAsync(Model, CancellationToken.None).WaitAsync(TestHosts.Timeout);

        var book = new ConcurrentDictionary<PeerId, VerifiedNodeStatus>();
        var discovery = Discovery(gateway, book, new ProviderDiscoveryOptions { MaxModelsPerRound = 1, MaxWanted = 2 });
        Assert.That(await discovery.RunRoundAsync([Model], CancellationToken.None).WaitAsync(TestHosts.Timeout), Is.Zero);
        Assert.That(book, Is.Empty, "a validly signed status of somebody else, sent by a provider, routes nothing");
        Assert.That(discovery.Lookups, Is.EqualTo(1));

        // Two wanted at most, one looked up per round.
        discovery.Want("sha256:" + new string('1', 64));
        discovery.Want("sha256:" + new string('2', 64));
        discovery.Want("sha256:" + new string('3', 64));
        await discovery.RunRoundAsync([], CancellationToken.None).WaitAsync(TestHosts.Timeout);
        Assert.That(discovery.Lookups, Is.EqualTo(2));
        await discovery.RunRoundAsync([], CancellationToken.None).WaitAsync(TestHosts.Timeout);
        Assert.That(discovery.Lookups, Is.EqualTo(3));
        await discovery.RunRoundAsync([], CancellationToken.None).WaitAsync(TestHosts.Timeout);
        Assert.That(discovery.Lookups, Is.EqualTo(3), "the third wanted model was beyond MaxWanted");
    }

    [Test]
    public async Task A_model_asked_for_by_name_is_resolved_to_its_hash_and_looked_up_and_a_name_nobody_registers_is_not_resolved_again_for_a_while()
    {
        using var nodeKey = PrivateKey.Generate(KeyType.Ed25519);
        await using var gateway = await StartAsync();
        await using var node = await StartNodeAsync(nodeKey);
        await ProvideThroughAsync(node, gateway);

        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var resolved = new List<string>();
        var book = new ConcurrentDictionary<PeerId, VerifiedNodeStatus>();
        var options = new ProviderDiscoveryOptions();
        var discovery = new ProviderDiscovery(gateway.Host, gateway.Dht, options, book.ContainsKey, status => book.TryAdd(status.Node, status) ? null : "already held",
            new NodeStatusValidator(), time, NullLogger.Instance, name =>
            {
                resolved.Add(name);
                return name == "add" ? [Model] : [];
            });

        // Nobody registers "nobody": resolved once, no lookup, and not resolved again within UnknownNameRetryInterval.
        discovery.Want("nobody");
        Assert.That(await discovery.RunRoundAsync([], CancellationToken.None).WaitAsync(TestHosts.Timeout), Is.Zero);
        Assert.That((discovery.Lookups, discovery.NamesUnknown, resolved.Count), Is.EqualTo((0L, 1L, 1)));
        for (var i = 0; i < 5; i++)
            discovery.Want("nobody");
        discovery.Want(new string('n', ProviderDiscovery.MaxNameLength + 1)); // no model's name
        await discovery.RunRoundAsync([], CancellationToken.None).WaitAsync(TestHosts.Timeout);
        Assert.That((discovery.Lookups, resolved.Count), Is.EqualTo((0L, 1)), "an unknown name costs nothing while it is remembered");

        // "add" stands for the model's hash: its provider is found and its status recorded, as for a hash.
        discovery.Want("add");
        Assert.That(await discovery.RunRoundAsync([], CancellationToken.None).WaitAsync(TestHosts.Timeout), Is.EqualTo(1));
        Assert.That(book.Keys, Is.EqualTo(new[] { nodeKey.PeerId }));
        Assert.That((discovery.Lookups, discovery.NamesResolved), Is.EqualTo((1L, 1L)));

        // Later the unknown name may have been registered: it is resolved again.
        time.Advance(options.UnknownNameRetryInterval);
        discovery.Want("nobody");
        await discovery.RunRoundAsync([], CancellationToken.None).WaitAsync(TestHosts.Timeout);
        Assert.That(resolved, Is.EqualTo(new[] { "nobody", "add", "nobody" }));
        Assert.That(discovery.NamesUnknown, Is.EqualTo(2));
    }

    /// <summary>A host with <paramref name="key"/>'s identity serving its signed status.</summary>
    /// <summary>Connects <paramref name="node"/> to <paramref name="gateway"/> and announces <see cref="Model"/> in the DHT, stored on at least one peer.</summary>
    private static async Task ProvideThroughAsync(Peer node, Peer gateway)
    {
        await node.Host.DialAsync(TestHosts.AddressOf(gateway.Host)).WaitAsync(TestHosts.Timeout);
        await Poll.UntilAsync(() => node.Dht.Node.RoutingTableSize >= 1, TestHosts.Timeout);
        Assert.That(await node.Dht.ProvideAsync(Model, CancellationToken.None).WaitAsync(TestHosts.Timeout), Is.GreaterThanOrEqualTo(1));
    }

    private static async Task<Peer> StartNodeAsync(PrivateKey key)
    {
        KademliaService? dht = null;
        var host = await ReachabilityHosts.StartAsync(h =>
        {
            h.AddService(dht = new KademliaService(h, new KademliaServiceOptions { Dht = new KademliaOptions { RequestTimeout = TimeSpan.FromSeconds(5) } }, NullLogger.Instance));
            h.SetHandler(NodeStatusProtocol.ProtocolId, (stream, ct) => NodeStatusProtocol.ServeAsync(stream, SignedStatus(key), ct));
        }, configure: o => o with { Identity = key });
        return new Peer(host, dht!);
    }
}
