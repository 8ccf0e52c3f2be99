using System.Text.Json;
using Cerebrum.Tests.Cli;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Node;
using Cerebrum.Daemon.PubSub;
using Cerebrum.Daemon.Status;
using Cerebrum.Core.PubSub;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// A node that cannot be dialled at the address it has (a NAT's closed port, here on loopback) serves jobs through a
/// seed that relays for it: it reserves there, its heartbeat names the circuit, a gateway that only knows the seed
/// routes a job to it through the relay and then moves to a direct connection (DCUtR's unilateral upgrade), and the
/// DHT names it as the model's provider and finds its circuit address.
/// </summary>
[TestFixture]
[CancelAfter(150_000)]
public sealed class ReachabilityEndToEndTests
{
    private static DaemonOptions OnLoopback(DaemonOptions options) => options with { Network = options.Network with { AllowPrivateAddresses = true } };

    [Test]
    public async Task A_node_behind_a_closed_port_serves_a_gateway_through_a_seeds_relay_is_found_in_the_dht_and_ends_up_connected_directly()
    {
        using var root = TemporaryDirectory.Create();
        using var cancel = new CancellationTokenSource(GatewayTestNetwork.Timeout);
        await using var seed = await TestDaemon.StartAsync(cancel.Token, modes: [DaemonModes.Seed], configure: OnLoopback);
        var nodeData = await GatewayTestNetwork.PrepareNodeAsync(root.Path, "node");
        var closed = $"/ip4/127.0.0.1/tcp/{NetCommandEndToEndTests.ClosedPort()}";
        await using var node = await TestDaemon.StartAsync(cancel.Token, dataDirectory: nodeData, bootstrapPeers: [seed.ListenAddress], modes: ["node"],
            configure: o => OnLoopback(o) with { Network = o.Network with { AllowPrivateAddresses = true, Reachability = "private", AnnounceAddresses = [closed] } });
        var circuit = $"{seed.ListenAddress}/p2p-circuit";

        // The node reserves on the seed and says so.
        await Poll.UntilAsync(() => node.Application.Network.Host.AdvertisedAddresses.Any(a => a.ToString() == circuit), GatewayTestNetwork.Timeout);
        var (_, status, _) = await CliHelpTests.RunAsync("status", "--data-dir", node.Data.Root);
        Assert.That(status, Does.Contain($"reachable  private (through relays {seed.PeerId})"));
        Assert.That(seed.Application.Network.Reachability.Relay.Server!.HasReservation(node.PeerId, DateTimeOffset.UtcNow), Is.True);

        await using var gateway = await GatewayTestNetwork.StartGatewayAsync(root.Path, [seed.ListenAddress], """, "Open": true""", cancel.Token, OnLoopback);
        await gateway.WaitForRoutesAsync("add", 1);
        using var http = gateway.HttpClient();
        var (code, body) = await http.PostJsonAsync("/v2/models/add/infer", GatewayTestNetwork.AddRequest(5), cancel.Token);
        Assert.That(code, Is.EqualTo(200), body.ToString());
        Assert.That(GatewayTestNetwork.OutputData(body), Is.EqualTo(GatewayTestNetwork.AddExpected(5)));

        // The node, reached through the relay, dials the gateway's own address; the relayed connection then closes.
        var gatewayHost = gateway.Application.Network.Host;
        await Poll.UntilAsync(() => gatewayHost.FindConnection(node.PeerId) is { IsRelayed: false }
                                    && !gatewayHost.Connections.Any(c => c.RemotePeer == node.PeerId && c.IsRelayed), GatewayTestNetwork.Timeout);
        Assert.That(node.Application.Network.Reachability.HolePunch.Upgraded, Is.GreaterThanOrEqualTo(1));
        (code, body) = await http.PostJsonAsync("/v2/models/add/infer", GatewayTestNetwork.AddRequest(7), cancel.Token);
        Assert.That(code, Is.EqualTo(200), body.ToString());
        Assert.That(GatewayTestNetwork.OutputData(body), Is.EqualTo(GatewayTestNetwork.AddExpected(7)));

        // The DHT: the node announced its model, and its circuit address can be looked up by its ID.
        var hash = node.Application.Services.GetRequiredService<NodeService>().Engine.Models.Single().Hash;
        var providersJson = "";
        await Poll.UntilAsync(() =>
        {
            providersJson = CliHelpTests.RunAsync("net", "providers", hash, "--json", "--data-dir", gateway.Data.Root).GetAwaiter().GetResult().Stdout;
            return providersJson.Contains(node.PeerId.ToString(), StringComparison.Ordinal);
        }, GatewayTestNetwork.Timeout);
        using (var providers = JsonDocument.Parse(providersJson))
        {
            Assert.That(providers.RootElement.GetProperty("model").GetString(), Is.EqualTo(hash));
            var provider = providers.RootElement.GetProperty("providers").EnumerateArray().Single();
            Assert.That(provider.GetProperty("addrs").EnumerateArray().Select(a => a.GetString()), Does.Contain(circuit));
        }
        var (exit, found, stderr) = await CliHelpTests.RunAsync("net", "find-peer", node.PeerId.ToString(), "--data-dir", gateway.Data.Root);
        Assert.That(exit, Is.Zero, stderr);
        Assert.That(found, Does.StartWith($"peer {node.PeerId}").And.Contain(circuit));
    }

    [Test]
    public async Task A_gateway_that_never_hears_a_nodes_heartbeats_finds_it_through_its_provider_record_when_an_app_asks_for_the_model_by_hash_not_by_an_unknown_name()
    {
        using var root = TemporaryDirectory.Create();
        using var cancel = new CancellationTokenSource(GatewayTestNetwork.Timeout);
        await using var gateway = await GatewayTestNetwork.StartGatewayAsync(root.Path, [], """, "Open": true""", cancel.Token, OnLoopback);
        // The gateway ignores every heartbeat: whatever it learns of the node comes from the DHT and the node itself.
        var router = gateway.Application.Services.GetRequiredService<PubSubService>().Router;
        router.UnregisterValidator(NodeDirectoryService.Topic);
        router.RegisterValidator(NodeDirectoryService.Topic, (_, _) => ValueTask.FromResult(ValidationResult.Ignore));
        var nodeData = await GatewayTestNetwork.PrepareNodeAsync(root.Path, "node");
        await using var node = await TestDaemon.StartAsync(cancel.Token, dataDirectory: nodeData, bootstrapPeers: [gateway.ListenAddress], modes: ["node"], configure: OnLoopback);
        var hash = node.Application.Services.GetRequiredService<NodeService>().Engine.Models.Single().Hash;
        await Poll.UntilAsync(() => gateway.Application.Network.Reachability.Dht.Node.RoutingTableSize >= 1, GatewayTestNetwork.Timeout);

        using var http = gateway.HttpClient();
        // By name first: nobody registers "add" (no ledger) and no heartbeat named it, so the name starts no lookup.
        var (code, body) = await http.PostJsonAsync("/v1/embeddings", """{"model":"add","input":"hello"}""", cancel.Token);
        Assert.That(code, Is.EqualTo(404), body.ToString());
        await Poll.UntilAsync(() => gateway.Gateway().Providers.NamesUnknown >= 1, GatewayTestNetwork.Timeout);
        Assert.That(gateway.Gateway().Providers.Lookups, Is.Zero, "an unknown name costs no DHT lookup");

        (code, body) = await http.PostJsonAsync($"/v2/models/{hash}/infer", GatewayTestNetwork.AddRequest(5), cancel.Token);
        Assert.That(code, Is.EqualTo(404), body.ToString());
        await Poll.UntilAsync(async () => (await http.PostJsonAsync($"/v2/models/{hash}/infer", GatewayTestNetwork.AddRequest(5), cancel.Token)).Status == 200, GatewayTestNetwork.Timeout);
        (code, body) = await http.PostJsonAsync($"/v2/models/{hash}/infer", GatewayTestNetwork.AddRequest(9), cancel.Token);
        Assert.That(code, Is.EqualTo(200), body.ToString());
        Assert.That(GatewayTestNetwork.OutputData(body), Is.EqualTo(GatewayTestNetwork.AddExpected(9)));
        Assert.That(gateway.Gateway().Providers.Recorded, Is.EqualTo(1));
        Assert.That(gateway.Gateway().Table.Routes("add").Select(r => r.Node), Is.EqualTo(new[] { node.PeerId }), "routed under the name the node's status gives");
        Assert.That(gateway.Gateway().Table.HashesHeard("add"), Is.EqualTo(new[] { hash }), "the name is remembered for the next time nobody serves it");
    }

    [Test]
    public async Task Dht_commands_refuse_a_malformed_hash_or_peer_id_and_say_when_nothing_is_found()
    {
        using var cancel = new CancellationTokenSource(GatewayTestNetwork.Timeout);
        await using var daemon = await TestDaemon.StartAsync(cancel.Token);

        var (exit, _, stderr) = await CliHelpTests.RunAsync("net", "providers", "sha256:abc", "--data-dir", daemon.Data.Root);
        Assert.That(exit, Is.Not.Zero);
        Assert.That(stderr, Does.Contain("is not a model hash"));
        (exit, _, stderr) = await CliHelpTests.RunAsync("net", "find-peer", "not-a-peer", "--data-dir", daemon.Data.Root);
        Assert.That(exit, Is.Not.Zero);
        Assert.That(stderr, Does.Contain("is not a peer ID"));
        var (ok, stdout, _) = await CliHelpTests.RunAsync("net", "providers", "sha256:" + new string('a', 64), "--data-dir", daemon.Data.Root);
        Assert.That(ok, Is.Zero);
        Assert.That(stdout, Does.StartWith("no provider of sha256:"));
    }
}
