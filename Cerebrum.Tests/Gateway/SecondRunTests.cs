using System.Collections.Concurrent;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Tests.Gateway;

/// <summary>
/// Gateway second runs without sockets: the sample's share, the queue's bounds (count and bytes, dropped and counted,
/// never waited on), the runner's choice of another node, the comparison within the tolerance, and both answers filed as
/// disputes on a disagreement, within the hourly allowance.
/// </summary>
[TestFixture]
public sealed class SecondRunTests
{
    private const string Model = "sha256:01";
    private static readonly Tensor[] Input = [Tensor.FromFloats("a", [1, 3], [1, 2, 3])];

    private ReceiptingNodeClient _client = null!;
    private PeerId[] _nodes = [];
    private RoutingTable _table = null!;
    private List<ReportWrongReceipt> _filed = null!;

    [SetUp]
    public void CreateNetwork()
    {
        _client = new ReceiptingNodeClient();
        _nodes = [Heartbeats.NewNode(), Heartbeats.NewNode()];
        _table = new RoutingTable(new RoutingOptions());
        _table.Update([.. _nodes.Select(n => Heartbeats.Entry(n, 0, ("add", Model)))]);
        _filed = [];
    }

    [Test]
    public void TheShareIsValidated_AndZeroSamplesNothing()
    {
        Assert.Throws<ArgumentException>(() => new SecondRunOptions { Share = 1.5 }.Validate());
        Assert.Throws<ArgumentException>(() => new SecondRunOptions { Share = -0.1 }.Validate());
        Assert.Throws<ArgumentException>(() => new SecondRunOptions { Share = double.NaN }.Validate());
        Assert.Throws<ArgumentException>(() => new SecondRunOptions { Share = 0.5, QueueCapacity = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new SecondRunOptions { Share = 0.5, MaxRelativeL2 = 0 }.Validate());

        var off = new SecondRunQueue(new SecondRunOptions());
        for (var i = 0; i < 100; i++) Assert.That(off.Offer(Model, Input, _nodes[0], Answer(_nodes[0], 0)), Is.False);
        Assert.That(off.Sampled, Is.Zero);
        Assert.That(off.Enabled, Is.False);
    }

    [Test]
    public void AShareOfAnsweredRequests_IsSampled()
    {
        var queue = new SecondRunQueue(new SecondRunOptions { Share = 0.25, QueueCapacity = 10_000 }, new Random(5));
        const int offers = 4_000;
        var queued = 0;
        for (var i = 0; i < offers; i++)
            if (queue.Offer(Model, Input, _nodes[0], Answer(_nodes[0], 0))) queued++;

        // Binomial(4000, 0.25): mean 1000, standard deviation 27; the seed makes it exact, the bound says what it means.
        Assert.That(queued, Is.InRange(900, 1100));
        Assert.That(queue.Sampled, Is.EqualTo(queued));
        Assert.That(queue.Count, Is.EqualTo(queued));
        Assert.That(queue.Dropped, Is.Zero);
    }

    [Test]
    public void AFullQueue_DropsAndCounts_AndNeverWaits()
    {
        var queue = new SecondRunQueue(new SecondRunOptions { Share = 1, QueueCapacity = 3 });
        var dropped = 0;
        queue.RequestDropped += () => dropped++;
        var queued = Enumerable.Range(0, 10).Count(_ => queue.Offer(Model, Input, _nodes[0], Answer(_nodes[0], 0)));

        Assert.That(queued, Is.EqualTo(3));
        Assert.That(queue.Count, Is.EqualTo(3));
        Assert.That(queue.Dropped, Is.EqualTo(7));
        Assert.That(dropped, Is.EqualTo(7), "each drop is reported to the metrics");

        // Inputs and outputs of 12 bytes each: a 30-byte bound holds one request.
        var byBytes = new SecondRunQueue(new SecondRunOptions { Share = 1, QueueCapacity = 100, MaxQueuedBytes = 30 });
        Assert.That(byBytes.Offer(Model, Input, _nodes[0], Answer(_nodes[0], 0)), Is.True);
        Assert.That(byBytes.Offer(Model, Input, _nodes[0], Answer(_nodes[0], 0)), Is.False);
        Assert.That(byBytes.Dropped, Is.EqualTo(1));
    }

    [Test]
    public async Task ADroppedRequestsBytes_AndAReadOnesBytes_AreGivenBack()
    {
        var queue = new SecondRunQueue(new SecondRunOptions { Share = 1, QueueCapacity = 100, MaxQueuedBytes = 30 });
        Assert.That(queue.Offer(Model, Input, _nodes[0], Answer(_nodes[0], 0)), Is.True);
        using var read = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using (var reader = queue.ReadAllAsync(read.Token).GetAsyncEnumerator(read.Token))
            Assert.That(await reader.MoveNextAsync(), Is.True);
        Assert.That(queue.Offer(Model, Input, _nodes[0], Answer(_nodes[0], 0)), Is.True, "the request read gave its bytes back");
    }

    [Test]
    public async Task TwoNodesThatAgree_FileNothing_AndTheSecondRunIsOnTheOtherNode()
    {
        var runner = Runner(new SecondRunOptions { Share = 1 });

        var outcome = await runner.RunOnceAsync(Request(_nodes[0], 0), CancellationToken.None);

        Assert.That(outcome, Is.EqualTo("agreed"));
        Assert.That(_client.Calls, Is.EqualTo(new[] { _nodes[1] }), "never the node that gave the first answer");
        Assert.That(runner.Done, Is.EqualTo(1));
        Assert.That(runner.Mismatches, Is.Zero);
        Assert.That(_filed, Is.Empty);
        Assert.That(_table.Routes(Model).Sum(r => r.Outstanding), Is.Zero, "the claimed slot is released");
    }

    [Test]
    public async Task GpuLikeNoise_IsNoDisagreement()
    {
        _client.Offsets[_nodes[1]] = 1e-4f;
        var runner = Runner(new SecondRunOptions { Share = 1 });

        Assert.That(await runner.RunOnceAsync(Request(_nodes[0], 0), CancellationToken.None), Is.EqualTo("agreed"));
        Assert.That(_filed, Is.Empty);
    }

    [Test]
    public async Task ADisagreement_FilesBothAnswers_ForTheValidatorsToReExecute_WithinTheHourlyAllowance()
    {
        _client.Offsets[_nodes[1]] = 0.5f;
        var runner = Runner(new SecondRunOptions { Share = 1, MaxDisputesPerHour = 1 });

        var outcome = await runner.RunOnceAsync(Request(_nodes[0], 0), CancellationToken.None);

        Assert.That(outcome, Is.EqualTo("mismatch"));
        Assert.That(runner.Mismatches, Is.EqualTo(1));
        Assert.That(_filed.Select(r => PeerId.FromBytes(r.Node.Span)), Is.EquivalentTo(_nodes), "the gateway cannot tell which is wrong: both are filed");
        Assert.That(_filed.All(r => r.ModelHash == Model && !r.Inputs.IsEmpty && !r.Outputs.IsEmpty && !r.Signature.IsEmpty), Is.True);
        Assert.That(runner.DisputesFiled, Is.EqualTo(2));

        Assert.That(await runner.RunOnceAsync(Request(_nodes[0], 0), CancellationToken.None), Is.EqualTo("mismatch"));
        Assert.That(_filed, Has.Count.EqualTo(2), "the hour's allowance is spent: nothing more is filed");
    }

    [Test]
    public async Task WithNoOtherNode_NothingIsRun()
    {
        _table.Update([Heartbeats.Entry(_nodes[0], 0, ("add", Model))]);
        var runner = Runner(new SecondRunOptions { Share = 1 });

        Assert.That(await runner.RunOnceAsync(Request(_nodes[0], 0), CancellationToken.None), Is.EqualTo("no_node"));
        Assert.That(_client.Calls, Is.Empty);
    }

    [Test]
    public async Task TheDispatcher_SamplesAnsweredRequests_AndTheRunnerDrainsThem()
    {
        var options = new SecondRunOptions { Share = 1 };
        var queue = new SecondRunQueue(options);
        var dispatcher = new InferDispatcher(_table, new NodeSelector(new Random(3)), _client, TimeProvider.System) { SecondRuns = queue };
        _client.Offsets[_nodes[0]] = 0.5f; // the two nodes disagree, whichever answers first

        var result = await dispatcher.DispatchAsync("add", Input, DateTimeOffset.UtcNow.AddSeconds(10), CancellationToken.None);
        Assert.That(queue.Count, Is.EqualTo(1), "queued, not run on the request's path");
        Assert.That(_client.Calls, Has.Count.EqualTo(1));

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var runner = new SecondRunner(queue, options, _table, new NodeSelector(), _client, File, () => 16 * 1024, TimeProvider.System, NullLogger.Instance);
        var running = runner.RunAsync(stop.Token);
        await Poll.UntilAsync(() => Task.FromResult(runner.Done), done => done == 1, TimeSpan.FromSeconds(20), done => $"{done} second runs done");
        await stop.CancelAsync();
        Assert.That(async () => await running, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(_client.Calls.Last(), Is.Not.EqualTo(result.Node));
        Assert.That(runner.Mismatches, Is.EqualTo(1));
        Assert.That(_filed, Has.Count.EqualTo(2));
    }

    private SecondRunner Runner(SecondRunOptions options) =>
        new(new SecondRunQueue(options), options, _table, new NodeSelector(new Random(1)), _client, File, () => 16 * 1024, TimeProvider.System, NullLogger.Instance);

    private string? File(ReportWrongReceipt report)
    {
        lock (_filed) _filed.Add(report);
        return null;
    }

    private SecondRunRequest Request(PeerId node, float offset)
    {
        var answer = Answer(node, offset);
        return new SecondRunRequest(Model, Input, node, answer, 24);
    }

    private static InferCallResult Answer(PeerId node, float offset) => ReceiptingNodeClient.Compute(node, Model, Input, offset);

    /// <summary>Nodes that add 1 (plus their offset: a wrong or noisy node) to every input float and return a receipt-shaped answer (not signed: nothing here checks it).</summary>
    private sealed class ReceiptingNodeClient : IInferNodeClient
    {
        public ConcurrentDictionary<PeerId, float> Offsets { get; } = new();

        public ConcurrentQueue<PeerId> Calls { get; } = new();

        public Task<InferCallResult> InferAsync(PeerId node, string modelHash, IReadOnlyList<Tensor> inputs, DateTimeOffset deadline, CancellationToken cancellationToken)
        {
            Calls.Enqueue(node);
            return Task.FromResult(Compute(node, modelHash, inputs, Offsets.GetValueOrDefault(node)));
        }

        public static InferCallResult Compute(PeerId node, string modelHash, IReadOnlyList<Tensor> inputs, float offset)
        {
            var input = inputs[0];
            var output = Tensor.FromFloats("c", input.Shape, [.. input.ToFloats().Select(v => (v + 1) * (1 + offset))]);
            var receipt = new VerifiedReceipt(new byte[32], new byte[32], new byte[64]);
            var binding = new InferReceiptBinding(node, DateTimeOffset.UtcNow, 0, "job", new byte[32]) { NodeNonce = new byte[16] };
            return new InferCallResult(Guid.NewGuid().ToString("N"), modelHash, [output], TimeSpan.Zero, TimeSpan.Zero, receipt, binding);
        }
    }
}
