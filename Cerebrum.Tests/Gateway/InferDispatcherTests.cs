using Cerebrum.Core.Crypto;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Tests.Gateway;

[TestFixture]
public sealed class InferDispatcherTests
{
    private static readonly Tensor[] Input = [Tensor.FromFloats("a", [1, 3], [1, 2, 3])];
    private static readonly InferCallException Broken = new(InferCallFailure.Transport, "infer failed: connection reset");

    private ScriptedNodeClient _client = null!;
    private PeerId[] _nodes = [];
    private RoutingTable _table = null!;

    [SetUp]
    public void CreateNetwork()
    {
        _client = new ScriptedNodeClient();
        _nodes = [Heartbeats.NewNode(), Heartbeats.NewNode(), Heartbeats.NewNode()];
        _table = new RoutingTable(new RoutingOptions { FailureThreshold = 2, AttemptTimeout = TimeSpan.FromMilliseconds(300) });
        _table.Update([.. _nodes.Select(n => Heartbeats.Entry(n, 0, ("add", "sha256:01")))]);
    }

    [Test]
    public async Task AFailingNode_IsRetriedOnAnother_AndTheAnswerIsTheOtherNodes()
    {
        _client.Fail(_nodes[0], Broken);
        _client.Fail(_nodes[1], Broken);

        var result = await Dispatcher(new Random(1)).DispatchAsync("add", Input, Deadline(5), CancellationToken.None);

        Assert.That(result.Node, Is.EqualTo(_nodes[2]));
        Assert.That(result.Result.Outputs[0].ToFloats(), Is.EqualTo(new float[] { 2, 3, 4 }));
        Assert.That(result.Attempts, Is.EqualTo(_client.Calls.Count));
        Assert.That(_client.Calls.Distinct().Count(), Is.EqualTo(_client.Calls.Count), "no node is tried twice for one request");
        Assert.That(_table.Routes("add").Sum(r => r.Outstanding), Is.Zero, "every claimed slot is released");
    }

    [Test]
    public async Task ANodeThatKeepsFailing_IsSkipped_OnceItsCircuitOpens()
    {
        _client.Fail(_nodes[0], Broken);
        var dispatcher = Dispatcher(new Random(2));
        for (var i = 0; i < 30; i++)
            await dispatcher.DispatchAsync("add", Input, Deadline(5), CancellationToken.None);

        var failing = _table.Routes("add").Single(r => r.Node == _nodes[0]);
        Assert.That(failing.Breaker.State, Is.EqualTo(CircuitState.Open));
        Assert.That(failing.Failed, Is.EqualTo(2), "after two failures the node is no longer tried");
        Assert.That(_table.Routes("add").Where(r => r.Node != _nodes[0]).Sum(r => r.Served), Is.EqualTo(30));
    }

    [Test]
    public async Task ANodeThatHangs_IsGivenUpAfterTheAttemptTimeout_AndAnotherAnswers()
    {
        _client.Set(_nodes[0], ct => Task.Delay(Timeout.Infinite, ct));
        _client.Set(_nodes[1], ct => Task.Delay(Timeout.Infinite, ct));

        var result = await Dispatcher(new Random(4)).DispatchAsync("add", Input, Deadline(10), CancellationToken.None);

        Assert.That(result.Node, Is.EqualTo(_nodes[2]));
    }

    [Test]
    public void BadInput_IsNotRetried_AndIsABadRequest()
    {
        foreach (var node in _nodes)
            _client.Fail(node, new InferCallException(InferCallFailure.NodeError, "bad_input: input 'a' is Int32, the model expects Float32", InferenceErrorCode.BadInput));

        var error = Assert.ThrowsAsync<GatewayException>(() => Dispatcher(new Random(1)).DispatchAsync("add", Input, Deadline(5), CancellationToken.None));

        Assert.That(error!.Kind, Is.EqualTo(GatewayErrorKind.BadRequest));
        Assert.That(error.Message, Is.EqualTo("input 'a' is Int32, the model expects Float32"));
        Assert.That(_client.Calls, Has.Count.EqualTo(1));
        Assert.That(_table.Routes("add").All(r => r.Breaker.State == CircuitState.Closed), Is.True, "a bad request does not count against the node");
    }

    [Test]
    public void EveryNodeBusy_IsNoCapacity_WithRetryAfter()
    {
        foreach (var node in _nodes)
            _client.Fail(node, new InferCallException(InferCallFailure.NodeError, "busy: queue full", InferenceErrorCode.Busy));

        var error = Assert.ThrowsAsync<GatewayException>(() => Dispatcher(new Random(1)).DispatchAsync("add", Input, Deadline(5), CancellationToken.None));

        Assert.That(error!.Kind, Is.EqualTo(GatewayErrorKind.NoCapacity));
        Assert.That(error.RetryAfter, Is.EqualTo(_table.Options.RetryAfter));
        Assert.That(_client.Calls.Distinct().Count(), Is.EqualTo(3));
    }

    [Test]
    public void NodesOutOfByteBudget_AreNoCapacity_AndNoBreakerCountsIt()
    {
        foreach (var node in _nodes)
            _client.Fail(node, new InferCallException(InferCallFailure.NodeError, "resource_exhausted: no room now", InferenceErrorCode.ResourceExhausted));

        var error = Assert.ThrowsAsync<GatewayException>(() => Dispatcher(new Random(1)).DispatchAsync("add", Input, Deadline(5), CancellationToken.None));

        Assert.That(error!.Kind, Is.EqualTo(GatewayErrorKind.NoCapacity));
        Assert.That(_client.Calls.Distinct().Count(), Is.EqualTo(3), "each node was tried");
        Assert.That(_table.Routes("add").Select(r => r.Breaker.ConsecutiveFailures), Has.All.Zero);
    }

    [Test]
    public void ABadInputVerdict_Is400_AfterOneNode_AndNoBreakerCountsIt()
    {
        foreach (var node in _nodes)
            _client.Fail(node, new InferCallException(InferCallFailure.NodeError, "bad_input: input 'a' dimension 1 is 600, above model m's limit of 512", InferenceErrorCode.BadInput));

        for (var i = 0; i < 5; i++)
        {
            var error = Assert.ThrowsAsync<GatewayException>(() => Dispatcher(new Random(i)).DispatchAsync("add", Input, Deadline(5), CancellationToken.None));
            Assert.That(error!.Kind, Is.EqualTo(GatewayErrorKind.BadRequest));
            Assert.That(error.Message, Does.StartWith("input 'a' dimension 1 is 600"));
        }

        Assert.That(_client.Calls, Has.Count.EqualTo(5), "one node per request: the verdict holds on every node");
        Assert.That(_table.Routes("add").Select(r => (r.Breaker.State, r.Breaker.ConsecutiveFailures)), Has.All.EqualTo((CircuitState.Closed, 0)));
    }

    [Test]
    public void EveryNodeAtTheOutstandingLimit_IsNoCapacity_WithoutCallingAnyNode()
    {
        foreach (var route in _table.Routes("add"))
            while (route.TryBegin(_table.Options.MaxOutstandingPerNode)) { }

        var error = Assert.ThrowsAsync<GatewayException>(() => Dispatcher(new Random(1)).DispatchAsync("add", Input, Deadline(5), CancellationToken.None));

        Assert.That(error!.Kind, Is.EqualTo(GatewayErrorKind.NoCapacity));
        Assert.That(_client.Calls, Is.Empty);
    }

    [Test]
    public void EveryNodeFailing_IsNoNode_NamingTheLastFailure()
    {
        foreach (var node in _nodes) _client.Fail(node, Broken);

        var error = Assert.ThrowsAsync<GatewayException>(() => Dispatcher(new Random(1)).DispatchAsync("add", Input, Deadline(5), CancellationToken.None));

        Assert.That(error!.Kind, Is.EqualTo(GatewayErrorKind.NoNode));
        Assert.That(error.Message, Does.StartWith("no node serving model 'add' could answer (3 tried); last: ").And.Contain("connection reset"));
    }

    [Test]
    public void TheDeadlinePassing_IsDeadlineExceeded()
    {
        foreach (var node in _nodes) _client.Set(node, ct => Task.Delay(Timeout.Infinite, ct));
        var table = new RoutingTable(new RoutingOptions { AttemptTimeout = TimeSpan.FromSeconds(30) });
        table.Update([.. _nodes.Select(n => Heartbeats.Entry(n, 0, ("add", "sha256:01")))]);

        var error = Assert.ThrowsAsync<GatewayException>(() =>
            new InferDispatcher(table, new NodeSelector(new Random(1)), _client, TimeProvider.System).DispatchAsync("add", Input, DateTimeOffset.UtcNow.AddMilliseconds(200), CancellationToken.None));

        Assert.That(error!.Kind, Is.EqualTo(GatewayErrorKind.DeadlineExceeded));
        Assert.That(error.Message, Does.StartWith("the request's deadline passed after 1 attempt(s) on model 'add'"));
    }

    [Test]
    public void AModelNobodyAnnounces_IsUnknown_AndOneNoLongerServed_IsNoNode()
    {
        var dispatcher = Dispatcher(new Random(1));
        var unknown = Assert.ThrowsAsync<GatewayException>(() => dispatcher.DispatchAsync("mul", Input, Deadline(5), CancellationToken.None));
        _table.Update([]);
        var gone = Assert.ThrowsAsync<GatewayException>(() => dispatcher.DispatchAsync("add", Input, Deadline(5), CancellationToken.None));

        Assert.That(unknown!.Kind, Is.EqualTo(GatewayErrorKind.UnknownModel));
        Assert.That(unknown.Message, Is.EqualTo("unknown model 'mul': no node on the network announces it"));
        Assert.That(gone!.Kind, Is.EqualTo(GatewayErrorKind.NoNode));
    }

    private InferDispatcher Dispatcher(Random random) => new(_table, new NodeSelector(random), _client, TimeProvider.System);

    private static DateTimeOffset Deadline(int seconds) => DateTimeOffset.UtcNow.AddSeconds(seconds);
}
