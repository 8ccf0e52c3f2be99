using System.Net.Http.Json;
using System.Text.Json;
using Cerebrum.Core.Inference.Status;
using Cerebrum.Core.Inference.Status.Proto;
using Cerebrum.Daemon.Admin;
using Cerebrum.Daemon.Node;
using Cerebrum.Daemon.Status;
using Cerebrum.Tests.Cli;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.Inference;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// A node daemon with a small model and a plain daemon connected to it, in-process on 127.0.0.1: the plain one receives
/// the node's signed heartbeats on cerebrum/1/status and lists the node in GET /nodes.
/// </summary>
[TestFixture]
public sealed class NodeHeartbeatEndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Test]
    public async Task APlainDaemon_ReceivesTheNodesHeartbeat_AndListsItInNodes()
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var directory = TemporaryDirectory.Create();
        var model = OnnxTestModels.Write(Path.Combine(directory.Path, "in"), "add.onnx", OnnxTestModels.AddFloat());
        var data = Path.Combine(directory.Path, "node");
        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("model", "add", model, "--name", "add", "--data-dir", data);
        Assert.That(exitCode, Is.Zero, stderr);
        await File.WriteAllTextAsync(Path.Combine(data, "config.json"),
            """{ "Node": { "HeartbeatInterval": "00:00:00.200", "PricePerRequest": 250 } }""", cts.Token);
        await using var node = await TestDaemon.StartAsync(cts.Token, dataDirectory: data, modes: ["node"]);
        await using var plain = await TestDaemon.StartAsync(cts.Token, bootstrapPeers: [node.ListenAddress]);
        var served = node.Application.Services.GetRequiredService<NodeService>().Engine.FindModel("add")!;

        var listed = await PollNodesAsync(plain, node, cts.Token);

        Assert.That(listed.Models.Select(m => (m.Hash, m.Name)), Is.EqualTo(new[] { (served.Hash, "add") }));
        Assert.That(listed.Models[0].QueueDepth, Is.Zero);
        Assert.That(listed.FreeSlots, Is.GreaterThan(0u));
        Assert.That(listed.PricePerRequest, Is.EqualTo(250UL));
        Assert.That(listed.Hardware.LogicalCores, Is.EqualTo((uint)Environment.ProcessorCount));
        Assert.That(listed.Hardware.MemoryBytes, Is.GreaterThan(0UL));
        Assert.That(listed.Sequence, Is.GreaterThan(0UL));
        Assert.That(listed.Addresses, Is.EqualTo(node.Application.Network.Host.AdvertisedAddresses.Select(x => x.ToString())), "the node's dial addresses, signed");
        Assert.That(listed.Timestamp, Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromSeconds(30)));
        // The node lists its own heartbeat too.
        Assert.That((await GetNodesAsync(node, cts.Token)).Select(n => n.PeerId), Does.Contain(node.PeerId.ToString()));
        // Heartbeats keep coming: a later one replaces the first.
        await Poll.UntilAsync(() => plain.Application.Services.GetRequiredService<NodeDirectoryService>().Book.Find(node.PeerId)?.Status.Status.Sequence > listed.Sequence, Timeout);
    }

    [Test]
    public async Task AForgedStatus_IsRefusedByTheDaemonsOwnValidator()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using var daemon = await TestDaemon.StartAsync(cts.Token);
        using var key = Core.Crypto.PrivateKey.Generate(Core.Crypto.KeyType.Secp256k1);
        var signed = SignedNodeStatus.Parser.ParseFrom(NodeStatusSigning.Sign(key, new NodeStatus
        {
            NodePeerId = ByteString.CopyFrom(key.PeerId.Bytes.Span),
            TimestampUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Sequence = 1,
        }));
        signed.Signature = ByteString.CopyFrom(new byte[signed.Signature.Length]);

        var error = Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await daemon.Application.PubSub.Router.PublishAsync(NodeDirectoryService.Topic, signed.ToByteArray(), cts.Token));

        Assert.That(error!.Message, Does.Contain("Reject"));
        Assert.That(await GetNodesAsync(daemon, cts.Token), Is.Empty);
    }

    private static async Task<NodeResponse> PollNodesAsync(TestDaemon at, TestDaemon node, CancellationToken cancellationToken)
    {
        while (true)
        {
            var found = (await GetNodesAsync(at, cancellationToken)).FirstOrDefault(n => n.PeerId == node.PeerId.ToString());
            if (found is not null) return found;
            await Task.Delay(50, cancellationToken);
        }
    }

    private static async Task<List<NodeResponse>> GetNodesAsync(TestDaemon daemon, CancellationToken cancellationToken)
    {
        using var http = daemon.AdminClient();
        return (await http.GetFromJsonAsync<List<NodeResponse>>("nodes", new JsonSerializerOptions(JsonSerializerDefaults.Web), cancellationToken))!;
    }
}
