using System.Collections.Concurrent;
using System.Diagnostics;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Protocol.Proto;
using Cerebrum.Core.Inference.Tensors;
using Google.Protobuf;

namespace Cerebrum.Tests.Inference.Protocol;

/// <summary>The W3C trace context in InferRequest: written only from a Cerebrum span, read leniently, and the node's job span its child.</summary>
[TestFixture]
public sealed class InferTraceContextTests
{
    private static readonly Tensor[] AddInputs = [Tensor.FromFloats("a", [1, 3], [1, 2, 3]), Tensor.FromFloats("b", [1, 3], [4, 5, 6])];

    [Test]
    public void WithoutASpan_OrUnderAnotherLibrarysSpan_NothingIsSent()
    {
        Assert.That(Activity.Current, Is.Null);
        var untraced = InferProtocolClient.CreateRequest("add", AddInputs, DateTimeOffset.UtcNow.AddMinutes(1));
        // ASP.NET Core keeps an activity per request for its logs even when tracing is off: not ours to propagate.
        using var foreign = new Activity("Microsoft.AspNetCore.Hosting.HttpRequestIn").SetIdFormat(ActivityIdFormat.W3C).Start();
        var underForeign = InferProtocolClient.CreateRequest("add", AddInputs, DateTimeOffset.UtcNow.AddMinutes(1));

        Assert.That(untraced.TraceParent, Is.Empty);
        Assert.That(underForeign.TraceParent, Is.Empty);
        Assert.That(underForeign.TraceState, Is.Empty);
    }

    [Test]
    public void UnderACerebrumSpan_ItsContextIsSent_AndReadBackAsRemote()
    {
        using var source = new ActivitySource("Cerebrum.Tests.Caller");
        using var listener = Listen(source.Name, new ConcurrentQueue<Activity>());
        using var attempt = source.StartActivity("attempt", ActivityKind.Client)!;
        attempt.TraceStateString = "vendor=abc";

        var request = InferProtocolClient.CreateRequest("add", AddInputs, DateTimeOffset.UtcNow.AddMinutes(1));
        var context = InferTraceContext.Extract(InferRequest.Parser.ParseFrom(request.ToByteArray()));

        Assert.That(request.TraceParent, Does.StartWith($"00-{attempt.TraceId}-{attempt.SpanId}-"));
        Assert.That(request.TraceParent, Is.EqualTo(attempt.Id));
        Assert.That(request.TraceState, Is.EqualTo("vendor=abc"));
        Assert.That(context.TraceId, Is.EqualTo(attempt.TraceId));
        Assert.That(context.SpanId, Is.EqualTo(attempt.SpanId));
        Assert.That(context.TraceFlags.HasFlag(ActivityTraceFlags.Recorded), Is.True);
        Assert.That(context.IsRemote, Is.True);
    }

    [TestCase("")]
    [TestCase("not a traceparent")]
    [TestCase("00-00000000000000000000000000000000-0000000000000000-01")]
    [TestCase("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-and-far-too-long-to-be-a-w3c-traceparent-but-still-starting-like-one-xxxxxxxxxxxxxxx")]
    public void AContextThatDoesNotParse_IsIgnored(string traceParent)
    {
        Assert.That(InferTraceContext.Extract(new InferRequest { TraceParent = traceParent }), Is.EqualTo(default(ActivityContext)));
    }

    [Test]
    public async Task TheNodesJobSpan_IsTheCallersChild_WithQueueRunAndReceiptBelowIt_AndABadContextCostsNothing()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var caller = new ActivitySource("Cerebrum.Tests.Caller");
        using var listener = Listen([caller.Name, InferenceTracing.SourceName], spans);
        await using var addModel = AddModelEngine.Start();
        using var nodeKey = PrivateKey.Generate(KeyType.Secp256k1);
        var node = new InferProtocolHandler(addModel.Engine, nodeKey);

        InferRequest traced;
        ActivityContext attempt;
        using (var span = caller.StartActivity("attempt", ActivityKind.Client)!)
        {
            attempt = span.Context;
            traced = InferProtocolClient.CreateRequest("add", AddInputs, DateTimeOffset.UtcNow.AddMinutes(1));
        }
        // The node runs the job outside the caller's flow, as a remote node does: only the request carries the context.
        var answer = await Task.Run(() => InferProtocolClient.InferLocallyAsync(node, nodeKey.PublicKey, traced, CancellationToken.None));
        var garbled = InferProtocolClient.CreateRequest("add", AddInputs, DateTimeOffset.UtcNow.AddMinutes(1));
        garbled.TraceParent = "00-garbage";
        var untracedAnswer = await Task.Run(() => InferProtocolClient.InferLocallyAsync(node, nodeKey.PublicKey, garbled, CancellationToken.None));

        Assert.That(answer.Outputs[0].ToFloats(), Is.EqualTo(new float[] { 5, 7, 9 }));
        Assert.That(untracedAnswer.Outputs[0].ToFloats(), Is.EqualTo(new float[] { 5, 7, 9 }));
        var jobs = spans.Where(s => s.OperationName == InferenceTracing.Job).ToList();
        Assert.That(jobs, Has.Count.EqualTo(2));
        var job = jobs.Single(j => j.TraceId == attempt.TraceId);
        Assert.That(job.ParentSpanId, Is.EqualTo(attempt.SpanId));
        Assert.That(job.HasRemoteParent, Is.True);
        Assert.That(job.Kind, Is.EqualTo(ActivityKind.Server));
        Assert.That(job.GetTagItem("cerebrum.outcome"), Is.EqualTo("served"));
        Assert.That(spans.Where(s => s.ParentSpanId == job.SpanId).Select(s => s.OperationName),
            Is.EquivalentTo(new[] { InferenceTracing.Queue, InferenceTracing.Run, InferenceTracing.ReceiptSign }));
        var run = spans.Single(s => s.OperationName == InferenceTracing.Run && s.ParentSpanId == job.SpanId);
        var queue = spans.Single(s => s.OperationName == InferenceTracing.Queue && s.ParentSpanId == job.SpanId);
        Assert.That(queue.StartTimeUtc, Is.GreaterThanOrEqualTo(job.StartTimeUtc));
        Assert.That(run.StartTimeUtc, Is.EqualTo(queue.StartTimeUtc + queue.Duration));
        Assert.That(run.GetTagItem("cerebrum.batch_requests"), Is.EqualTo(1));
        // The garbled context started a trace of its own rather than failing the job.
        var own = jobs.Single(j => j.TraceId != attempt.TraceId);
        Assert.That(own.ParentSpanId, Is.EqualTo(default(ActivitySpanId)));
        Assert.That(spans.Count(s => s.OperationName == InferenceTracing.ReceiptVerify), Is.EqualTo(2), "the caller checked both receipts");
    }

    private static ActivityListener Listen(string source, ConcurrentQueue<Activity> stopped) => Listen([source], stopped);

    private static ActivityListener Listen(string[] sources, ConcurrentQueue<Activity> stopped)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = s => sources.Contains(s.Name),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
