using System.Diagnostics;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Protocol.Proto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Streams;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.Daemon.Telemetry;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;
using OpenTelemetry.Trace;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// One request traced across two daemons with separate tracer providers: the gateway in-process, exporting to memory,
/// and the node that answers in its own process, exporting over OTLP/HTTP to a collector in the test. A second node
/// (in-process, not tracing) fails every job, so the trace shows the failed attempt and the failover.
/// </summary>
[TestFixture]
public sealed class TracingEndToEndTests
{
    [Test]
    public async Task OneTrace_RunsFromTheGatewaysHttpRequest_ThroughTheFailover_IntoTheNodesModelRun()
    {
        using var cts = new CancellationTokenSource(GatewayTestNetwork.Timeout);
        using var directory = TemporaryDirectory.Create();
        await using var collector = await OtlpTraceCollector.StartAsync();

        var nodeData = await GatewayTestNetwork.PrepareNodeAsync(directory.Path, "node");
        await File.WriteAllTextAsync(Path.Combine(nodeData, "config.json"), $$"""
            { "Node": { "HeartbeatInterval": "00:00:00.200" },
              "Telemetry": { "Enabled": true, "Endpoint": "{{collector.Endpoint}}", "Protocol": "http/protobuf", "ExportInterval": "00:00:00.100", "ServiceName": "test-node" } }
            """, cts.Token);
        await using var node = await DaemonProcess.StartAsync(nodeData, ["--mode", "node"], GatewayTestNetwork.Timeout);
        var nodeId = node.ListenAddress[(node.ListenAddress.LastIndexOf('/') + 1)..];

        await using var failing = await TestDaemon.StartAsync(cts.Token, dataDirectory: await GatewayTestNetwork.PrepareNodeAsync(directory.Path, "failing"), modes: ["node"]);
        failing.Application.Network.Host.SetHandler(InferProtocolHandler.ProtocolId, (stream, ct) => FailEveryJobAsync(stream, ct));

        var gatewayData = Path.Combine(directory.Path, "gateway");
        Directory.CreateDirectory(gatewayData);
        // A node with no latency sample looks faster than one that answered, so the failing node is tried by the second request at the latest.
        await File.WriteAllTextAsync(Path.Combine(gatewayData, "config.json"), """
            { "Gateway": { "Http": "127.0.0.1:0", "Open": true, "Routing": { "InitialLatency": "00:00:00.000001" } },
              "Telemetry": { "Enabled": true } }
            """, cts.Token);
        var gatewaySpans = new List<Activity>();
        await using var gateway = await TestDaemon.StartAsync(cts.Token, dataDirectory: gatewayData, bootstrapPeers: [node.ListenAddress, failing.ListenAddress],
            modes: ["gateway"], traceExporters: tracing => tracing.AddInMemoryExporter(gatewaySpans));
        await gateway.WaitForRoutesAsync("add", 2);
        using var http = gateway.HttpClient();

        Activity? dispatch = null;
        for (var i = 0; i < 2 && dispatch is null; i++)
        {
            var (status, body) = await http.PostJsonAsync("v2/models/add/infer", GatewayTestNetwork.AddRequest(i), cts.Token);
            Assert.That(status, Is.EqualTo(200), body.ToString());
            Assert.That(GatewayTestNetwork.OutputData(body), Is.EqualTo(GatewayTestNetwork.AddExpected(i)));
            dispatch = Snapshot(gatewaySpans).LastOrDefault(s => s.OperationName == GatewayTracing.Dispatch && s.GetTagItem("cerebrum.attempts") is 2);
        }
        Assert.That(dispatch, Is.Not.Null, "no request needed a second attempt");
        var traceId = dispatch!.TraceId.ToHexString();

        // The gateway's side: HTTP request > dispatch > (select, attempt) twice; the second attempt checked the receipt.
        await Poll.UntilAsync(() => Snapshot(gatewaySpans).Any(s => s.TraceId == dispatch.TraceId && s.Kind == ActivityKind.Server), GatewayTestNetwork.Timeout);
        var trace = Snapshot(gatewaySpans).Where(s => s.TraceId == dispatch.TraceId).ToList();
        var request = trace.Single(s => s.Kind == ActivityKind.Server);
        Assert.That(request.Source.Name, Is.EqualTo("Microsoft.AspNetCore"));
        Assert.That(request.ParentSpanId, Is.EqualTo(default(ActivitySpanId)), "the HTTP request starts the trace");
        Assert.That(dispatch.ParentSpanId, Is.EqualTo(request.SpanId));
        Assert.That(dispatch.GetTagItem("cerebrum.outcome"), Is.EqualTo("ok"));
        Assert.That(trace.Count(s => s.OperationName == GatewayTracing.Select && s.ParentSpanId == dispatch.SpanId), Is.EqualTo(2));
        var attempts = trace.Where(s => s.OperationName == GatewayTracing.Attempt).OrderBy(s => (int)s.GetTagItem("cerebrum.attempt")!).ToList();
        Assert.That(attempts, Has.Count.EqualTo(2));
        Assert.That(attempts.Select(a => a.ParentSpanId), Has.All.EqualTo(dispatch.SpanId));
        Assert.That(attempts.Select(a => a.Kind), Has.All.EqualTo(ActivityKind.Client));
        var (failed, served) = (attempts[0], attempts[1]);
        Assert.That(failed.GetTagItem("cerebrum.node"), Is.EqualTo(failing.PeerId.ToString()));
        Assert.That(failed.GetTagItem("cerebrum.outcome"), Is.EqualTo("failed"));
        Assert.That(failed.Status, Is.EqualTo(ActivityStatusCode.Error));
        Assert.That(failed.StatusDescription, Does.Contain("out of GPU memory"));
        Assert.That(served.GetTagItem("cerebrum.node"), Is.EqualTo(nodeId));
        Assert.That(served.GetTagItem("cerebrum.outcome"), Is.EqualTo("ok"));
        Assert.That(trace.Count(s => s.OperationName == InferenceTracing.ReceiptVerify && s.ParentSpanId == served.SpanId), Is.EqualTo(1));
        Assert.That(trace.Where(s => s.Source.Name.StartsWith("Cerebrum.", StringComparison.Ordinal)).Select(s => s.OperationName), Has.None.EqualTo(InferenceTracing.Job),
            "the node's spans are the node's provider's, not the gateway's");

        // The node's side, from its own process: the job is a child of the second attempt, and its queueing, run and receipt are the job's.
        var nodeTrace = await Poll.UntilAsync(() => Task.FromResult(collector.Spans.Where(s => s.TraceId == traceId).ToList()),
            spans => spans.Any(s => s.Name == InferenceTracing.Job) && spans.Count >= 4, GatewayTestNetwork.Timeout,
            spans => $"{spans.Count} node span(s): {string.Join(", ", spans.Select(s => s.Name))}");
        var job = nodeTrace.Single(s => s.Name == InferenceTracing.Job);
        Assert.That(job.ParentSpanId, Is.EqualTo(served.SpanId.ToHexString()), "the node's job span is the gateway attempt's child");
        Assert.That(job.Span.Kind, Is.EqualTo(2), "SPAN_KIND_SERVER");
        Assert.That(job.Attribute("cerebrum.outcome"), Is.EqualTo("served"));
        Assert.That(job.Resource["service.name"], Is.EqualTo("test-node"));
        Assert.That(job.Resource["service.instance.id"], Is.EqualTo(nodeId));
        Assert.That(nodeTrace.Where(s => s.ParentSpanId == job.SpanId).Select(s => s.Name),
            Is.EquivalentTo(new[] { InferenceTracing.Queue, InferenceTracing.Run, InferenceTracing.ReceiptSign }));
    }

    // The exporter appends from the threads that end spans; ToArray copies without enumerating.
    private static Activity[] Snapshot(List<Activity> spans) => spans.ToArray();

    // A node that is there, heartbeats, and fails every job: the gateway tries it, gives up on it and fails over.
    private static async Task FailEveryJobAsync(ProtocolStream stream, CancellationToken ct)
    {
        while (await LengthPrefixedMessage.ReadAsync(stream.Stream, 1 << 20, ct) is { } message)
        {
            var request = InferRequest.Parser.ParseFrom(message);
            var response = new InferResponse
            {
                JobId = request.JobId,
                Error = new InferError { Code = InferErrorCode.Internal, Message = "out of GPU memory" },
            };
            await LengthPrefixedMessage.WriteAsync(stream.Stream, response.ToByteArray(), ct);
        }
        await stream.CompleteWritesAsync(ct);
    }
}
