using Cerebrum.Tests.Daemon;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// A gateway and a node that only know a seed: the node's heartbeat reaches the gateway through the seed, and the
/// addresses the node signed into it let the gateway dial the node when it routes a job there.
/// </summary>
[TestFixture]
[CancelAfter(150_000)]
public sealed class GatewayDiscoveryEndToEndTests
{
    private static Cerebrum.Daemon.Configuration.DaemonOptions DhtClient(Cerebrum.Daemon.Configuration.DaemonOptions options) =>
        options with { Network = options.Network with { Dht = "client" } };

    [Test]
    public async Task AGatewayReachesANode_ItOnlyHeardOfThroughASeed()
    {
        using var root = TemporaryDirectory.Create();
        using var cancel = new CancellationTokenSource(GatewayTestNetwork.Timeout);
        await using var seed = await TestDaemon.StartAsync(cancel.Token);
        var nodeData = await GatewayTestNetwork.PrepareNodeAsync(root.Path, "node");
        // DHT clients both: the DHT would introduce them (the node's provider record, lookups); this is about the heartbeat.
        await using var node = await TestDaemon.StartAsync(cancel.Token, dataDirectory: nodeData, bootstrapPeers: [seed.ListenAddress], modes: ["node"],
            configure: DhtClient);
        await using var gateway = await GatewayTestNetwork.StartGatewayAsync(root.Path, [seed.ListenAddress], """, "Open": true""", cancel.Token, DhtClient);
        var nodeId = node.Application.Network.Host.PeerId;

        await gateway.WaitForRoutesAsync("add", 1);
        Assert.That(gateway.Application.Network.Host.FindConnection(nodeId), Is.Null, "the gateway has not met the node yet");

        using var http = gateway.HttpClient();
        var (status, body) = await http.PostJsonAsync("/v2/models/add/infer", GatewayTestNetwork.AddRequest(5), cancel.Token);

        Assert.That(status, Is.EqualTo(200), body.ToString());
        Assert.That(GatewayTestNetwork.OutputData(body), Is.EqualTo(GatewayTestNetwork.AddExpected(5)));
        Assert.That(gateway.Application.Network.Host.FindConnection(nodeId), Is.Not.Null, "the gateway dialled the node");
    }
}
