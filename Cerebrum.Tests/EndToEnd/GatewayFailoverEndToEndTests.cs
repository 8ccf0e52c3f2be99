using System.Collections.Concurrent;
using System.Net.Http.Json;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// One gateway (in-process) and three nodes in their own processes, on 127.0.0.1: requests spread over the nodes; a node
/// killed while 200 requests run concurrently costs no request; with every node gone the answer is a clear 503.
/// The tests run in order on one network.
/// </summary>
[TestFixture]
public sealed class GatewayFailoverEndToEndTests
{
    private const string NodeServing = """, "Serving": { "MaxConcurrency": 2, "MaxQueueLength": 1024 }""";
    private TemporaryDirectory _directory = null!;
    private DaemonProcess[] _nodes = [];
    private TestDaemon _gateway = null!;
    private HttpClient _http = null!;

    [OneTimeSetUp]
    public async Task StartNetwork()
    {
        using var cts = new CancellationTokenSource(GatewayTestNetwork.Timeout);
        _directory = TemporaryDirectory.Create();
        var starts = new List<Task<DaemonProcess>>();
        for (var i = 0; i < 3; i++)
        {
            var data = await GatewayTestNetwork.PrepareNodeAsync(_directory.Path, $"node{i}", extraNodeConfig: NodeServing);
            starts.Add(DaemonProcess.StartAsync(data, ["--mode", "node"], GatewayTestNetwork.Timeout));
        }
        _nodes = await Task.WhenAll(starts);
        _gateway = await GatewayTestNetwork.StartGatewayAsync(_directory.Path, [.. _nodes.Select(n => n.ListenAddress)],
            """, "Open": true, "Routing": { "MaxOutstandingPerNode": 1024, "BreakerOpenTime": "00:00:00.500" }""", cts.Token);
        await _gateway.WaitForRoutesAsync("add", 3);
        _http = _gateway.HttpClient();
    }

    [OneTimeTearDown]
    public async Task StopNetwork()
    {
        _http?.Dispose();
        if (_gateway is not null) await _gateway.DisposeAsync().AsTask().WaitAsync(GatewayTestNetwork.Timeout);
        foreach (var node in _nodes) await node.DisposeAsync();
        _directory?.Dispose();
    }

    [Test]
    [Order(1)]
    public async Task Requests_SpreadOverTheNodes()
    {
        var results = await RunConcurrentlyAsync(total: 90, concurrency: 9, afterEach: null);

        Assert.That(results.Failures, Is.Empty);
        var served = _gateway.Gateway().Table.Routes("add").Select(r => r.Served).ToList();
        Assert.That(served, Has.Count.EqualTo(3));
        Assert.That(served, Has.All.GreaterThan(0));
        Assert.That(served.Max(), Is.LessThan(90 * 0.8), $"served per node: {string.Join(", ", served)}");
    }

    [Test]
    [Order(2)]
    public async Task ANodeKilled_While200RequestsRunConcurrently_CostsNoRequest()
    {
        var victim = _nodes[0];
        var victimId = victim.ListenAddress[(victim.ListenAddress.LastIndexOf('/') + 1)..];
        var victimRoute = _gateway.Gateway().Table.Routes("add").Single(r => r.Node.ToString() == victimId);
        var servedBefore = victimRoute.Served;
        var killed = 0;

        var results = await RunConcurrentlyAsync(total: 1000, concurrency: 200, afterEach: async done =>
        {
            if (done == 150 && Interlocked.Exchange(ref killed, 1) == 0)
                await victim.KillAsync();
        });

        Assert.That(killed, Is.EqualTo(1));
        Assert.That(results.Failures, Is.Empty, $"{results.Failures.Count} failed, e.g. {(results.Failures.Count > 0 ? results.Failures[0] : "")}");
        Assert.That(results.Succeeded, Is.EqualTo(1000));
        Assert.That(victimRoute.Served, Is.GreaterThan(servedBefore), "the killed node took part before it died");
        Assert.That(victimRoute.Failed, Is.GreaterThan(0), "requests that met the dead node were retried elsewhere");
    }

    [Test]
    [Order(3)]
    public async Task EveryNodeGone_Is503_WithAClearMessage()
    {
        foreach (var node in _nodes) await node.KillAsync();

        var (status, body) = await _http.PostJsonAsync("v2/models/add/infer", GatewayTestNetwork.AddRequest(1));

        Assert.That(status, Is.EqualTo(503), body.ToString());
        Assert.That(body.GetProperty("error").GetString(), Does.StartWith("no node serving model 'add'"));
        // Readiness follows the connections: it turns false once the gateway has noticed every node's connection close.
        await Poll.UntilAsync(() => _gateway.Gateway().Table.Routes("add").All(r => !_gateway.Gateway().IsConnected(r.Node)), GatewayTestNetwork.Timeout);
        using var ready = await _http.GetAsync("v2/models/add/ready");
        Assert.That((int)ready.StatusCode, Is.EqualTo(503));
        Assert.That((await ready.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("ready").GetBoolean(), Is.False);
    }

    private async Task<(int Succeeded, IReadOnlyList<string> Failures)> RunConcurrentlyAsync(int total, int concurrency, Func<int, Task>? afterEach)
    {
        var issued = 0;
        var done = 0;
        var succeeded = 0;
        var failures = new ConcurrentQueue<string>();
        using var cts = new CancellationTokenSource(GatewayTestNetwork.Timeout);
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref issued)) <= total)
            {
                try
                {
                    var (status, body) = await _http.PostJsonAsync("v2/models/add/infer", GatewayTestNetwork.AddRequest(i), cts.Token);
                    if (status == 200 && GatewayTestNetwork.OutputData(body).SequenceEqual(GatewayTestNetwork.AddExpected(i)))
                        Interlocked.Increment(ref succeeded);
                    else
                        failures.Enqueue($"request {i}: {status} {body}");
                }
                catch (Exception e) when (e is HttpRequestException or System.Text.Json.JsonException)
                {
                    failures.Enqueue($"request {i}: {e.Message}");
                }
                if (afterEach is not null)
                    await afterEach(Interlocked.Increment(ref done));
            }
        }));
        await Task.WhenAll(workers).WaitAsync(GatewayTestNetwork.Timeout);
        return (succeeded, [.. failures]);
    }
}
