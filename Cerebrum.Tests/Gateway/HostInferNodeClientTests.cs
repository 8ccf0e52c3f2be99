using Cerebrum.Core.Crypto;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Core.Network;
using Cerebrum.Tests.Inference;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Gateway;

/// <summary>Jobs a gateway routes to its own host's peer ID: run on the local node's handler, never dialled.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class HostInferNodeClientTests
{
    private AddModelEngine _addModel = null!;
    private PeerHost _host = null!;
    private InferProtocolHandler _handler = null!;

    [SetUp]
    public async Task SetUp()
    {
        _addModel = AddModelEngine.Start();
        _host = await TestHosts.StartAsync(KeyType.Secp256k1);
        _handler = new InferProtocolHandler(_addModel.Engine, _host.Identity);
    }

    [TearDown]
    public async Task TearDown()
    {
        await _host.DisposeAsync();
        await _addModel.DisposeAsync();
    }

    private static Tensor[] Inputs(int width) =>
        [Tensor.FromFloats("a", [1, width], [.. Enumerable.Range(1, width).Select(i => (float)i)]), Tensor.FromFloats("b", [1, width], [.. Enumerable.Repeat(10f, width)])];

    private static DateTimeOffset Deadline => DateTimeOffset.UtcNow.AddMinutes(1);

    [Test]
    public async Task AJobForThisHost_RunsOnTheLocalNode()
    {
        using var client = new HostInferNodeClient(_host, () => _handler);

        var result = await client.InferAsync(_host.PeerId, "add", Inputs(3), Deadline, CancellationToken.None);

        Assert.That(result.Outputs.Single().ToFloats(), Is.EqualTo(new float[] { 11, 12, 13 }));
        Assert.That(result.ModelHash, Does.StartWith("sha256:"));
        Assert.That(_handler.Counters.Served, Is.EqualTo(1));
        Assert.That(_host.Connections, Is.Empty, "nothing was dialled");
    }

    [Test]
    public void AJobTheLocalNodeRefuses_IsTheNodesError()
    {
        using var client = new HostInferNodeClient(_host, () => _handler);

        var refused = Assert.ThrowsAsync<InferCallException>(() => client.InferAsync(_host.PeerId, "add", Inputs(2), Deadline, CancellationToken.None));

        Assert.That(refused!.Failure, Is.EqualTo(InferCallFailure.NodeError));
        Assert.That(refused.NodeError, Is.EqualTo(InferenceErrorCode.BadInput), refused.Message);
        Assert.That(_handler.Counters.Failed[InferenceErrorCode.BadInput], Is.EqualTo(1));
    }

    [Test]
    public void AJobForThisHost_WithoutALocalNodeServing_FailsClearly_WithoutDialling()
    {
        using var noNode = new HostInferNodeClient(_host);
        using var stopped = new HostInferNodeClient(_host, () => null);

        foreach (var client in new[] { noNode, stopped })
        {
            var failure = Assert.ThrowsAsync<InferCallException>(() => client.InferAsync(_host.PeerId, "add", Inputs(3), Deadline, CancellationToken.None));
            Assert.That(failure!.Failure, Is.EqualTo(InferCallFailure.Transport));
            Assert.That(failure.Message, Does.Contain("is this daemon").And.Contain("not serving"));
        }
        Assert.That(_handler.Counters.Served, Is.Zero);
    }
}
