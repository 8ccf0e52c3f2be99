using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Protocol.Proto;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Core.Network;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;

namespace Cerebrum.Tests.Inference.Protocol;

/// <summary>
/// The node's budget of bytes in flight (issue 13 item 3): per peer over all its streams and per node, taken before a
/// request's body is read and before it runs, and given back when its answer is out.
/// </summary>
[TestFixture]
public sealed class InferByteBudgetTests
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(20);
    private static readonly PeerId Alice = PrivateKey.Generate(KeyType.Secp256k1).PublicKey.ToPeerId();
    private static readonly PeerId Bob = PrivateKey.Generate(KeyType.Secp256k1).PublicKey.ToPeerId();

    [Test]
    public void Reservations_AreBoundedPerPeerAndInAll_AndGivenBack()
    {
        var budget = new InferByteBudget(new InferBudgetOptions(MaxBytes: 250, MaxBytesPerPeer: 100));

        Assert.That(budget.TryReserve(Alice, 60), Is.True);
        Assert.That(budget.TryReserve(Alice, 41), Is.False, "Alice's 100");
        Assert.That(budget.TryReserve(Alice, 40), Is.True);
        Assert.That(budget.TryReserve(Bob, 100), Is.True);
        Assert.That(budget.TryReserve(null, 51), Is.False, "the node's 250");
        Assert.That(budget.TryReserve(null, 50), Is.True);
        Assert.That(budget.InFlight, Is.EqualTo(250));
        budget.Release(Alice, 100);
        budget.Release(Bob, 100);
        budget.Release(null, 50);
        Assert.That(budget.InFlight, Is.Zero);
        Assert.That(budget.InFlightOf(Alice), Is.Zero);
        Assert.That(budget.CanEverFit(101), Is.False);
    }

    [Test]
    public async Task APeersJobsOnManyStreams_ShareOneBudget_AndAreRefusedBeforeTheyRun_WhileOtherPeersAreServed()
    {
        await using var node = AddModelEngine.Start();
        using var nodeKey = PrivateKey.Generate(KeyType.Secp256k1);
        var request = Request("job-1", node.AddHash);
        var one = request.CalculateSize() + 12; // the request and its predicted output, c = FP32 [1, 3]
        // Room for one of Alice's jobs at a time, and for two jobs in all.
        var handler = new InferProtocolHandler(node.Engine, nodeKey, budget: new InferBudgetOptions(MaxBytes: 3L * one, MaxBytesPerPeer: one + 8));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Engine.SetBeforeRunHook("add", async ct =>
        {
            entered.TrySetResult();
            await gate.Task.WaitAsync(ct);
        });
        var (aliceA, aliceAServer) = DuplexPipe.Create();
        var (aliceB, aliceBServer) = DuplexPipe.Create();
        var (bob, bobServer) = DuplexPipe.Create();
        var serving = new[]
        {
            handler.HandleAsync(aliceAServer, Alice, CancellationToken.None),
            handler.HandleAsync(aliceBServer, Alice, CancellationToken.None),
            handler.HandleAsync(bobServer, Bob, CancellationToken.None),
        };

        await SendAsync(aliceA, request);
        await entered.Task.WaitAsync(Bounded);
        Assert.That(handler.Budget.InFlightOf(Alice), Is.EqualTo(one), "the running job holds its request and predicted output bytes");
        await SendAsync(aliceB, Request("job-2", node.AddHash));
        var refused = await ReceiveAsync(aliceB);
        await SendAsync(bob, Request("job-3", node.AddHash));
        gate.SetResult();
        var first = await ReceiveAsync(aliceA);
        var bobs = await ReceiveAsync(bob);

        Assert.That(refused.Error?.Code, Is.EqualTo(InferErrorCode.ResourceExhausted), refused.Error?.Message);
        Assert.That(refused.Error!.Message, Does.Contain("retry"));
        Assert.That(first.Error, Is.Null);
        Assert.That(bobs.Error, Is.Null, "another peer's job is served while Alice's budget is spent");
        Assert.That(node.Engine.Statistics("add").Accepted, Is.EqualTo(2), "the refused job never reached the model");
        // The stream that was refused stays in step and serves the next job.
        await SendAsync(aliceB, Request("job-4", node.AddHash));
        Assert.That((await ReceiveAsync(aliceB)).Error, Is.Null);
        Assert.That(handler.Budget.InFlight, Is.Zero, "every job gave its bytes back");

        // A job larger than a peer's whole budget can never run: the client's error.
        await SendAsync(aliceA, Request(new string('j', 2 * one), node.AddHash));
        var tooLarge = await ReceiveAsync(aliceA);
        Assert.That(tooLarge.Error?.Code, Is.EqualTo(InferErrorCode.BadInput), tooLarge.Error?.Message);
        Assert.That(handler.Counters.Failed.GetValueOrDefault(InferenceErrorCode.ResourceExhausted), Is.EqualTo(1));

        foreach (var client in new[] { aliceA, aliceB, bob }) await client.DisposeAsync();
        await Task.WhenAll(serving).WaitAsync(Bounded);
        foreach (var server in new[] { aliceAServer, aliceBServer, bobServer }) await server.DisposeAsync();
    }

    private static InferRequest Request(string jobId, string model)
    {
        var request = new InferRequest { JobId = jobId, ModelHash = model, DeadlineUnixMs = DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds() };
        request.Inputs.Add(WireTensors.ToWire(Tensor.FromFloats("a", [1, 3], [1, 2, 3])));
        request.Inputs.Add(WireTensors.ToWire(Tensor.FromFloats("b", [1, 3], [4, 5, 6])));
        return request;
    }

    private static Task SendAsync(Stream stream, InferRequest request) =>
        LengthPrefixedMessage.WriteAsync(stream, request.ToByteArray(), CancellationToken.None).AsTask().WaitAsync(Bounded);

    private static async Task<InferResponse> ReceiveAsync(Stream stream)
    {
        var answer = await LengthPrefixedMessage.ReadAsync(stream, 1 << 20, CancellationToken.None).AsTask().WaitAsync(Bounded);
        Assert.That(answer, Is.Not.Null, "the handler answered");
        return InferResponse.Parser.ParseFrom(answer);
    }
}
