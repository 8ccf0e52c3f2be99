using Cerebrum.Daemon.Node;
using Cerebrum.Tests.Daemon;
using Microsoft.Extensions.DependencyInjection;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// One daemon in node and gateway mode at once (<c>--mode node,gateway</c>): its gateway routes to its own node, which
/// it cannot dial (a host does not connect to itself), so those jobs run on the local node's handler.
/// </summary>
[TestFixture]
[CancelAfter(120_000)]
public sealed class GatewayOnNodeEndToEndTests
{
    [Test]
    public async Task ADaemonThatIsNodeAndGateway_ServesItsOwnModel_WithTheNodesCounters()
    {
        using var root = TemporaryDirectory.Create();
        using var cancel = new CancellationTokenSource(GatewayTestNetwork.Timeout);
        var data = await GatewayTestNetwork.PrepareNodeAsync(root.Path, "both");
        await File.WriteAllTextAsync(Path.Combine(data, "config.json"),
            """{ "Node": { "HeartbeatInterval": "00:00:00.200" }, "Gateway": { "Http": "127.0.0.1:0", "Open": true } }""", cancel.Token);
        await using var daemon = await TestDaemon.StartAsync(cancel.Token, dataDirectory: data, modes: ["node", "gateway"]);

        await daemon.WaitForRoutesAsync("add", 1);
        Assert.That(daemon.Gateway().Table.Routes("add").Single().Node, Is.EqualTo(daemon.Application.Network.Host.PeerId), "the route is to itself");
        using var http = daemon.HttpClient();
        for (var i = 0; i < 3; i++)
        {
            var (status, body) = await http.PostJsonAsync("/v2/models/add/infer", GatewayTestNetwork.AddRequest(10 * i), cancel.Token);
            Assert.That(status, Is.EqualTo(200), body.ToString());
            Assert.That(GatewayTestNetwork.OutputData(body), Is.EqualTo(GatewayTestNetwork.AddExpected(10 * i)));
        }
        var (badStatus, badBody) = await http.PostJsonAsync("/v2/models/add/infer", """{"inputs":[{"name":"a","shape":[1,2],"datatype":"FP32","data":[1,2]},{"name":"b","shape":[1,2],"datatype":"FP32","data":[1,2]}]}""", cancel.Token);
        Assert.That(badStatus, Is.EqualTo(400), badBody.ToString());

        var jobs = daemon.Application.Services.GetRequiredService<NodeService>().Jobs;
        Assert.That(jobs.Served, Is.EqualTo(3), "the jobs ran on this daemon's node");
        Assert.That(jobs.Failed.Values.Sum(), Is.EqualTo(1), "the bad request reached the node and was refused there");
        Assert.That(daemon.Application.Network.Host.Connections, Is.Empty, "no connection to itself was attempted");

        // The gateway counts its HTTP answers by status, and the dispatcher its outcomes, on /metrics.
        var metrics = Cerebrum.Tests.TestSupport.MetricsSnapshot.Of(daemon.Application.Services.GetRequiredService<Cerebrum.Daemon.Metrics.PrometheusExporter>());
        Assert.That(metrics.Value("cerebrum_gateway_requests_total", ("status", "200")), Is.EqualTo(3));
        Assert.That(metrics.Value("cerebrum_gateway_requests_total", ("status", "400")), Is.EqualTo(1));
        Assert.That(metrics.Value("cerebrum_gateway_dispatches_total", ("outcome", "ok")), Is.EqualTo(3));

        // What an operator sees of it: the node in the directory, and the gateway's route to it with its jobs.
        var self = daemon.Application.Network.Host.PeerId.ToString();
        Assert.That(await GatewayTestNetwork.RunCliOkAsync("status", "--data-dir", data), Does.Contain("modes      node, gateway"));
        var nodes = await GatewayTestNetwork.RunCliOkAsync("net", "nodes", "--data-dir", data);
        Assert.That(nodes, Does.Contain("PEER ID").And.Contain("MODELS"));
        Assert.That(nodes.Split('\n').Single(l => l.StartsWith(self, StringComparison.Ordinal)), Does.Contain(" add ").And.EndsWith("ago"));
        var routes = await GatewayTestNetwork.RunCliOkAsync("gateway", "routes", "--data-dir", data);
        var route = routes.Split('\n').Single(l => l.StartsWith("add ", StringComparison.Ordinal));
        Assert.That(route, Does.Contain(self).And.Contain(" closed"));
        Assert.That(route.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^3], Is.EqualTo("3"), "served");
        var json = System.Text.Json.JsonDocument.Parse(await GatewayTestNetwork.RunCliOkAsync("gateway", "routes", "--data-dir", data, "--json"));
        Assert.That(json.RootElement[0].GetProperty("served").GetInt64(), Is.EqualTo(3));

        // Issue 16 item 5: the model it serves itself is ready (it answered 503 for want of a connection to itself).
        using (var ready = await http.GetAsync("/v2/models/add/ready", cancel.Token))
            Assert.That((int)ready.StatusCode, Is.EqualTo(200), await ready.Content.ReadAsStringAsync(cancel.Token));
    }
}
