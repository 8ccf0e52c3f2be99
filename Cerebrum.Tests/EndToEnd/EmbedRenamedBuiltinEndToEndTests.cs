using System.Text.Json;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Daemon.Node;
using Cerebrum.Tests.Cli;
using Cerebrum.Tests.Daemon;
using Microsoft.Extensions.DependencyInjection;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// Issue 16, item 13: after <c>model add --builtin all-minilm-l6-v2 --name minilm</c>, <c>cerebrum embed</c> with its
/// default model finds the built-in encoder by its hash, on a node (--peer) and through a gateway (--gateway).
/// </summary>
[TestFixture]
[CancelAfter(180_000)]
public sealed class EmbedRenamedBuiltinEndToEndTests
{
    private const string Text = "A decentralized network serves AI models.";
    private TemporaryDirectory _root = null!;
    private TestDaemon _daemon = null!;

    [OneTimeSetUp]
    public async Task StartNodeAndGateway()
    {
        _root = TemporaryDirectory.Create();
        using var cancel = new CancellationTokenSource(GatewayTestNetwork.Timeout);
        var data = Path.Combine(_root.Path, "node");
        await GatewayTestNetwork.RunCliOkAsync("model", "add", "--builtin", BuiltinModels.AllMiniLmL6V2, "--name", "minilm", "--data-dir", data);
        await File.WriteAllTextAsync(Path.Combine(data, "config.json"),
            """{ "Node": { "HeartbeatInterval": "00:00:00.200" }, "Gateway": { "Http": "127.0.0.1:0", "Open": true } }""", cancel.Token);
        _daemon = await TestDaemon.StartAsync(cancel.Token, dataDirectory: data, modes: ["node", "gateway"]);
        await _daemon.WaitForRoutesAsync("minilm", 1);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _daemon.DisposeAsync().AsTask().WaitAsync(GatewayTestNetwork.Timeout);
        _root.Dispose();
    }

    [Test]
    public async Task EmbedOnThePeer_WithTheDefaultModel_FindsTheRenamedBuiltinByItsHash()
    {
        var stdout = await GatewayTestNetwork.RunCliOkAsync("embed", "--peer", _daemon.ListenAddress, Text);

        Assert.That(JsonSerializer.Deserialize<float[]>(stdout), Is.EqualTo(await DirectAsync()).Within(1e-5f));
    }

    [Test]
    public async Task EmbedThroughTheGateway_WithTheDefaultModel_FindsTheRenamedBuiltinByItsHash()
    {
        var stdout = await GatewayTestNetwork.RunCliOkAsync("embed", "--gateway", _daemon.Gateway().HttpUrl!.ToString(), Text);

        Assert.That(JsonSerializer.Deserialize<float[]>(stdout), Is.EqualTo(await DirectAsync()).Within(1e-5f));
    }

    [Test]
    public async Task EmbedWithTheStoresNameForIt_StillWorks_AndAnUnknownNameIsTheNodesError()
    {
        var stdout = await GatewayTestNetwork.RunCliOkAsync("embed", "--peer", _daemon.ListenAddress, "--model", "minilm", Text);
        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("embed", "--peer", _daemon.ListenAddress, "--model", "no-such-model", Text);

        Assert.That(JsonSerializer.Deserialize<float[]>(stdout), Is.EqualTo(await DirectAsync()).Within(1e-5f));
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(stderr.TrimEnd(), Is.EqualTo("error: unknown_model: no model 'no-such-model' is loaded on this node"));
    }

    private async Task<float[]> DirectAsync() =>
        (await _daemon.Application.Services.GetRequiredService<NodeService>().Engine.EmbedAsync([Text], "minilm"))[0];
}
