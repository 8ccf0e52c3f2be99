using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Protocol.Proto;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;

namespace Cerebrum.Tests.Inference.Protocol;

/// <summary>/cerebrum/infer/1.0.0 between two hosts on loopback, the request riding behind a lazy protocol proposal.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class InferOverHostTests
{
    private AddModelEngine _addModel = null!;
    private PeerHost _node = null!;
    private PeerHost _client = null!;

    [SetUp]
    public async Task SetUp()
    {
        _addModel = AddModelEngine.Start();
        _node = await TestHosts.StartAsync(KeyType.Secp256k1);
        var handler = new InferProtocolHandler(_addModel.Engine, _node.Identity);
        _node.SetHandler(InferProtocolHandler.ProtocolId, async (stream, ct) =>
        {
            await handler.HandleAsync(stream.Stream, stream.Connection.RemotePeer, ct);
            await stream.CompleteWritesAsync(ct);
        });
        _client = await TestHosts.StartAsync(KeyType.Ed25519);
    }

    [TearDown]
    public async Task TearDown()
    {
        await _client.DisposeAsync();
        await _node.DisposeAsync();
        await _addModel.DisposeAsync();
    }

    private InferRequest Request(string jobId, float x)
    {
        var request = new InferRequest { JobId = jobId, ModelHash = "add", DeadlineUnixMs = DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds() };
        request.Inputs.Add(WireTensors.ToWire(Tensor.FromFloats("a", [1, 3], [x, x, x])));
        request.Inputs.Add(WireTensors.ToWire(Tensor.FromFloats("b", [1, 3], [1, 2, 3])));
        return request;
    }

    private static async Task<InferResponse> ExchangeAsync(Stream stream, InferRequest request)
    {
        await LengthPrefixedMessage.WriteAsync(stream, request.ToByteArray(), CancellationToken.None).AsTask().WaitAsync(TestHosts.Timeout);
        var answer = await LengthPrefixedMessage.ReadAsync(stream, 1 << 20, CancellationToken.None).AsTask().WaitAsync(TestHosts.Timeout);
        Assert.That(answer, Is.Not.Null, "the node answered");
        return InferResponse.Parser.ParseFrom(answer);
    }

    [Test]
    public async Task Requests_on_a_lazily_opened_stream_are_answered_with_verifiable_receipts()
    {
        var connection = await _client.DialAsync(TestHosts.AddressOf(_node)).WaitAsync(TestHosts.Timeout);
        await using var stream = await connection.OpenStreamLazyAsync(InferProtocolHandler.ProtocolId).WaitAsync(TestHosts.Timeout);

        var first = Request("lazy-1", 10);
        var second = Request("lazy-2", 20);
        var firstResponse = await ExchangeAsync(stream.Stream, first);
        var secondResponse = await ExchangeAsync(stream.Stream, second);

        Assert.That(firstResponse.Error, Is.Null);
        Assert.That(WireTensors.FromWire(firstResponse.Outputs.Single()).ToFloats(), Is.EqualTo(new float[] { 11, 12, 13 }));
        Assert.That(WireTensors.FromWire(secondResponse.Outputs.Single()).ToFloats(), Is.EqualTo(new float[] { 21, 22, 23 }));
        Assert.That(InferReceipts.Verify(first, firstResponse, _node.Identity.PublicKey), Is.True);
        Assert.That(InferReceipts.Verify(second, secondResponse, _node.Identity.PublicKey), Is.True);
        Assert.That(InferReceipts.Verify(first, secondResponse, _node.Identity.PublicKey), Is.False, "a receipt is bound to its own job");
    }

    [Test]
    public async Task A_node_without_the_protocol_fails_the_first_read_as_not_supported()
    {
        _node.RemoveHandler(InferProtocolHandler.ProtocolId);
        var connection = await _client.DialAsync(TestHosts.AddressOf(_node)).WaitAsync(TestHosts.Timeout);
        await using var stream = await connection.OpenStreamLazyAsync(InferProtocolHandler.ProtocolId).WaitAsync(TestHosts.Timeout);

        await LengthPrefixedMessage.WriteAsync(stream.Stream, Request("nope", 1).ToByteArray(), CancellationToken.None).AsTask().WaitAsync(TestHosts.Timeout);
        var e = Assert.ThrowsAsync<ProtocolNotSupportedException>(async () =>
            await LengthPrefixedMessage.ReadAsync(stream.Stream, 1 << 20, CancellationToken.None).AsTask().WaitAsync(TestHosts.Timeout));

        Assert.That(e!.Protocols, Is.EqualTo(new[] { InferProtocolHandler.ProtocolId }));
    }
}
