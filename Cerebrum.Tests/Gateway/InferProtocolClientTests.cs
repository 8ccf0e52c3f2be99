using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Protocol.Proto;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Streams;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;

namespace Cerebrum.Tests.Gateway;

/// <summary>
/// <see cref="InferProtocolClient"/> between two hosts on 127.0.0.1 against a node-side handler that adds 1 to every
/// float and signs a receipt with the node's key, as a node does: receipts are verified, and with a stream pool
/// consecutive jobs share one stream, and a pooled stream that died is replaced without failing the job.
/// </summary>
[TestFixture]
public sealed class InferProtocolClientTests
{
    private PeerHost _node = null!;
    private PeerHost _client = null!;
    private int _streamsServed;
    private Func<InferResponse, InferResponse> _tamper = r => r;

    [SetUp]
    public async Task StartHosts()
    {
        _streamsServed = 0;
        _tamper = r => r;
        _node = await TestHosts.StartAsync();
        _node.SetHandler(InferProtocolHandler.ProtocolId, ServeAsync);
        _client = await TestHosts.StartAsync(KeyType.Ed25519);
    }

    [TearDown]
    public async Task StopHosts()
    {
        await _client.DisposeAsync();
        await _node.DisposeAsync();
    }

    [Test]
    public async Task WithAPool_ConsecutiveJobsShareOneStream_AndEachAnswerIsVerified()
    {
        var connection = await _client.DialAsync(TestHosts.AddressOf(_node));
        var pool = new InferStreamPool();

        for (var i = 0; i < 5; i++)
        {
            var result = await InferProtocolClient.InferAsync(connection, Request(i), CancellationToken.None, pool: pool).WaitAsync(TestHosts.Timeout);
            Assert.That(result.Outputs[0].ToFloats(), Is.EqualTo(new float[] { i + 1, i + 2 }));
        }

        Assert.That(_streamsServed, Is.EqualTo(1));
        Assert.That(pool.IdleCount, Is.EqualTo(1));
    }

    [Test]
    public async Task APooledStreamThatDied_IsReplaced_AndTheJobStillSucceeds()
    {
        var connection = await _client.DialAsync(TestHosts.AddressOf(_node));
        var pool = new InferStreamPool();
        await InferProtocolClient.InferAsync(connection, Request(1), CancellationToken.None, pool: pool).WaitAsync(TestHosts.Timeout);
        var idle = pool.TryRent(connection)!;
        idle.Reset(); // the idle stream dies while it waits in the pool
        await pool.ReturnAsync(idle);

        var result = await InferProtocolClient.InferAsync(connection, Request(7), CancellationToken.None, pool: pool).WaitAsync(TestHosts.Timeout);

        Assert.That(result.Outputs[0].ToFloats(), Is.EqualTo(new float[] { 8, 9 }));
        Assert.That(_streamsServed, Is.EqualTo(2), "the job went on a fresh stream");
    }

    [Test]
    public async Task AnAnswerWhoseReceiptDoesNotVerify_IsAnInvalidAnswer()
    {
        var connection = await _client.DialAsync(TestHosts.AddressOf(_node));
        _tamper = r =>
        {
            r.Outputs[0].Data = ByteString.CopyFrom(new byte[8]); // other outputs than the ones signed
            return r;
        };

        var error = Assert.ThrowsAsync<InferCallException>(() => InferProtocolClient.InferAsync(connection, Request(1), CancellationToken.None, pool: new InferStreamPool()));

        Assert.That(error!.Failure, Is.EqualTo(InferCallFailure.InvalidAnswer));
        Assert.That(error.Message, Is.EqualTo("receipt invalid: the node's signature does not match the inputs and outputs"));
    }

    [Test]
    public async Task AReceiptSignedByAnotherKeyThanTheConnectedPeers_IsAnInvalidAnswer()
    {
        var connection = await _client.DialAsync(TestHosts.AddressOf(_node));
        using var other = PrivateKey.Generate(KeyType.Secp256k1);
        _tamper = r =>
        {
            // A well-formed receipt, but by a key the connection did not authenticate.
            r.NodePublicKey = ByteString.CopyFrom(other.PublicKey.ToProtobuf());
            r.Signature = ByteString.CopyFrom(InferReceipts.Sign(other, r.JobId, r.ModelHash, r.InputHash.Span, r.OutputHash.Span));
            return r;
        };

        var error = Assert.ThrowsAsync<InferCallException>(() => InferProtocolClient.InferAsync(connection, Request(1), CancellationToken.None, pool: new InferStreamPool()));

        Assert.That(error!.Failure, Is.EqualTo(InferCallFailure.InvalidAnswer));
        Assert.That(error.Message, Is.EqualTo($"receipt invalid: signed by {other.PublicKey.ToPeerId()}, not by the connected peer {_node.PeerId}"));
    }

    [Test]
    public async Task AReceiptKeyThatDoesNotDecode_IsAnInvalidAnswer()
    {
        var connection = await _client.DialAsync(TestHosts.AddressOf(_node));
        _tamper = r =>
        {
            r.NodePublicKey = ByteString.CopyFrom([0x08, 0x02, 0x12, 0x02, 0x01, 0x02]); // secp256k1, 2 bytes of key
            return r;
        };

        var error = Assert.ThrowsAsync<InferCallException>(() => InferProtocolClient.InferAsync(connection, Request(1), CancellationToken.None, pool: new InferStreamPool()));

        Assert.That(error!.Failure, Is.EqualTo(InferCallFailure.InvalidAnswer));
        Assert.That(error.Message, Does.StartWith("receipt invalid: the node's public key does not decode"));
    }

    [Test]
    public async Task AReceiptForAnotherModelThanTheRoutedOne_IsAnInvalidAnswer()
    {
        // Issue 13 item 4: a node signing a valid receipt for other model bytes than the job named must not pass.
        var connection = await _client.DialAsync(TestHosts.AddressOf(_node));
        var routed = "sha256:" + new string('a', 64);
        var other = "sha256:" + new string('b', 64);
        _tamper = r =>
        {
            r.ModelHash = other;
            r.Signature = ByteString.CopyFrom(InferReceipts.Sign(_node.Identity, r.JobId, r.ModelHash, r.InputHash.Span, r.OutputHash.Span));
            return r;
        };
        var request = InferProtocolClient.CreateRequest(routed, [Tensor.FromFloats("x", [2], [1, 2])], DateTimeOffset.UtcNow.AddMinutes(1));

        var error = Assert.ThrowsAsync<InferCallException>(() => InferProtocolClient.InferAsync(connection, request, CancellationToken.None, pool: new InferStreamPool()));

        Assert.That(error!.Failure, Is.EqualTo(InferCallFailure.InvalidAnswer));
        Assert.That(error.Message, Is.EqualTo($"receipt invalid: the node ran model {other}, the job asked for {routed}"));
        _tamper = r => r;
        var honest = await InferProtocolClient.InferAsync(connection, InferProtocolClient.CreateRequest(routed, [Tensor.FromFloats("x", [2], [1, 2])], DateTimeOffset.UtcNow.AddMinutes(1)), CancellationToken.None, pool: new InferStreamPool());
        Assert.That(honest.ModelHash, Is.EqualTo(routed));
    }

    private static InferRequest Request(float start) =>
        InferProtocolClient.CreateRequest("add", [Tensor.FromFloats("x", [2], [start, start + 1])], DateTimeOffset.UtcNow.AddMinutes(1));

    private async Task ServeAsync(ProtocolStream stream, CancellationToken ct)
    {
        Interlocked.Increment(ref _streamsServed);
        while (await LengthPrefixedMessage.ReadAsync(stream.Stream, 1 << 20, ct) is { } message)
        {
            var request = InferRequest.Parser.ParseFrom(message);
            var input = WireTensors.FromWire(request.Inputs[0]);
            var output = WireTensors.ToWire(Tensor.FromFloats("y", input.Shape, input.ToFloats().Select(v => v + 1).ToArray()));
            var response = new InferResponse { JobId = request.JobId, ModelHash = ModelHash.IsValid(request.ModelHash) ? request.ModelHash : "sha256:00", NodePublicKey = ByteString.CopyFrom(_node.Identity.PublicKey.ToProtobuf()) };
            response.Outputs.Add(output);
            var inputHash = InferReceipts.HashTensors(request.Inputs);
            var outputHash = InferReceipts.HashTensors(response.Outputs);
            response.InputHash = ByteString.CopyFrom(inputHash);
            response.OutputHash = ByteString.CopyFrom(outputHash);
            response.Signature = ByteString.CopyFrom(InferReceipts.Sign(_node.Identity, request.JobId, response.ModelHash, inputHash, outputHash));
            await LengthPrefixedMessage.WriteAsync(stream.Stream, _tamper(response).ToByteArray(), ct);
        }
        await stream.CompleteWritesAsync(ct);
    }
}
