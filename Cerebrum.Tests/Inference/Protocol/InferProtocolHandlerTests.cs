using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Protocol.Proto;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Core.Network;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;

namespace Cerebrum.Tests.Inference.Protocol;

[TestFixture]
public sealed class InferProtocolHandlerTests
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(20);
    private AddModelEngine _addModel = null!;
    private PrivateKey _nodeKey = null!;
    private Stream _client = null!;
    private Stream _server = null!;
    private Task _serving = null!;
    private CancellationTokenSource _stop = null!;

    /// <summary>The remote peer the served stream belongs to.</summary>
    private static readonly PeerId Peer = PrivateKey.Generate(KeyType.Secp256k1).PublicKey.ToPeerId();

    [SetUp]
    public void SetUp()
    {
        _addModel = AddModelEngine.Start();
        _nodeKey = PrivateKey.Generate(KeyType.Secp256k1);
        (_client, _server) = DuplexPipe.Create();
        _stop = new CancellationTokenSource();
        _serving = new InferProtocolHandler(_addModel.Engine, _nodeKey).HandleAsync(_server, Peer, _stop.Token);
    }

    [TearDown]
    public async Task TearDown()
    {
        await _client.DisposeAsync();
        // A clean end of the client's stream ends the handler's loop.
        await _serving.WaitAsync(Bounded);
        await _server.DisposeAsync();
        _stop.Dispose();
        _nodeKey.Dispose();
        await _addModel.DisposeAsync();
    }

    private string AddHash => _addModel.AddHash;

    private static long InAMinute => DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds();

    private static InferRequest Request(string jobId, string model, long deadline, params Tensor[] inputs)
    {
        var request = new InferRequest { JobId = jobId, ModelHash = model, DeadlineUnixMs = deadline };
        request.Inputs.AddRange(inputs.Select(WireTensors.ToWire));
        return request;
    }

    private static Tensor Floats(string name, params float[] values) => Tensor.FromFloats(name, [1, values.Length], values);

    private async Task<InferResponse> ExchangeAsync(byte[] request)
    {
        await LengthPrefixedMessage.WriteAsync(_client, request, CancellationToken.None).AsTask().WaitAsync(Bounded);
        var answer = await LengthPrefixedMessage.ReadAsync(_client, 1 << 20, CancellationToken.None).AsTask().WaitAsync(Bounded);
        Assert.That(answer, Is.Not.Null, "the handler answered");
        return InferResponse.Parser.ParseFrom(answer);
    }

    [Test]
    public async Task Request_IsAnsweredWithOutputsAndAVerifiableSignature()
    {
        var request = Request("job-1", AddHash, InAMinute, Floats("a", 1, 2, 3), Floats("b", 10, 20, 30));

        var response = await ExchangeAsync(request.ToByteArray());

        Assert.That(response.Error, Is.Null);
        Assert.That(response.JobId, Is.EqualTo("job-1"));
        Assert.That(response.ModelHash, Is.EqualTo(AddHash));
        Assert.That(WireTensors.FromWire(response.Outputs.Single()).ToFloats(), Is.EqualTo(new float[] { 11, 22, 33 }));
        Assert.That(response.ComputeMicros, Is.GreaterThan(0));
        Assert.That(PublicKey.FromProtobuf(response.NodePublicKey.Span), Is.EqualTo(_nodeKey.PublicKey));
        Assert.That(InferReceipts.Verify(request, response, _nodeKey.PublicKey), Is.True);

        // The signature binds the inputs: the same response does not verify for different inputs or another job.
        var otherInputs = Request("job-1", AddHash, InAMinute, Floats("a", 1, 2, 4), Floats("b", 10, 20, 30));
        Assert.That(InferReceipts.Verify(otherInputs, response, _nodeKey.PublicKey), Is.False);
        var tampered = response.Clone();
        tampered.Outputs[0].Data = ByteString.CopyFrom(OnnxTestModels.FloatBytes(0, 0, 0));
        Assert.That(InferReceipts.Verify(request, tampered, _nodeKey.PublicKey), Is.False);
        using var stranger = PrivateKey.Generate(KeyType.Secp256k1);
        Assert.That(InferReceipts.Verify(request, response, stranger.PublicKey), Is.False);
    }

    [Test]
    public async Task ReceiptHashes_MatchTheTensorSetDefinition()
    {
        var request = Request("job-h", AddHash, InAMinute, Floats("b", 4, 5, 6), Floats("a", 1, 2, 3));

        var response = await ExchangeAsync(request.ToByteArray());

        // Computed here the plain way infer.proto defines it: a TensorSet of the tensors sorted by name, serialized.
        static byte[] Definition(IEnumerable<WireTensor> tensors)
        {
            var set = new TensorSet();
            set.Tensors.AddRange(tensors.OrderBy(t => t.Name, StringComparer.Ordinal));
            return System.Security.Cryptography.SHA256.HashData(set.ToByteArray());
        }
        Assert.That(response.Error, Is.Null);
        Assert.That(response.InputHash.ToByteArray(), Is.EqualTo(Definition(request.Inputs)));
        Assert.That(response.OutputHash.ToByteArray(), Is.EqualTo(Definition(response.Outputs)));
        var signed = InferReceipts.SigningBytes(response.JobId, response.ModelHash, response.InputHash.Span, response.OutputHash.Span);
        Assert.That(_nodeKey.PublicKey.Verify(signed, response.Signature.Span), Is.True);
    }

    [Test]
    public async Task EachResponse_GoesOutInOneWriteAndOneFlush()
    {
        var (client, server) = DuplexPipe.Create();
        var recorder = new Cerebrum.Tests.Network.Multistream.RecordingStream(server);
        var serving = new InferProtocolHandler(_addModel.Engine, _nodeKey).HandleAsync(recorder, Peer, CancellationToken.None);
        var request = Request("job-w", AddHash, InAMinute, Floats("a", 1, 2, 3), Floats("b", 1, 2, 3));

        await LengthPrefixedMessage.WriteAsync(client, request.ToByteArray(), CancellationToken.None).AsTask().WaitAsync(Bounded);
        var answer = await LengthPrefixedMessage.ReadAsync(client, 1 << 20, CancellationToken.None).AsTask().WaitAsync(Bounded);
        await client.DisposeAsync();
        await serving.WaitAsync(Bounded);
        await server.DisposeAsync();

        Assert.That(recorder.Log, Has.Count.EqualTo(2));
        Assert.That(recorder.Log[0], Does.StartWith("write:"));
        Assert.That(recorder.Log[1], Is.EqualTo("flush"));
        var written = Convert.FromHexString(recorder.Log[0]["write:".Length..]);
        var prefixed = new byte[written.Length];
        var n = Cerebrum.Core.Multiformats.Varint.Write((ulong)answer!.Length, prefixed);
        answer.CopyTo(prefixed, n);
        Assert.That(written, Is.EqualTo(prefixed), "the write is the length prefix and the whole response");
        Assert.That(InferReceipts.Verify(request, InferResponse.Parser.ParseFrom(answer), _nodeKey.PublicKey), Is.True);
    }

    [Test]
    public async Task TypedErrors_AndTheStreamKeepsServing()
    {
        var unknown = await ExchangeAsync(Request("j1", "sha256:" + new string('b', 64), InAMinute, Floats("a", 1, 2, 3)).ToByteArray());
        var wrongType = await ExchangeAsync(Request("j2", AddHash, InAMinute, Tensor.FromInt32s("a", [1, 3], [1, 2, 3]), Floats("b", 1, 2, 3)).ToByteArray());
        var expired = await ExchangeAsync(Request("j3", AddHash, DateTimeOffset.UtcNow.AddSeconds(-5).ToUnixTimeMilliseconds(), Floats("a", 1, 2, 3), Floats("b", 1, 2, 3)).ToByteArray());
        var noDeadline = await ExchangeAsync(Request("j4", AddHash, 0, Floats("a", 1, 2, 3), Floats("b", 1, 2, 3)).ToByteArray());
        var garbage = await ExchangeAsync([0xFF, 0xFF, 0xFF, 0xFF, 0x0F]);
        var badDtype = Request("j6", AddHash, InAMinute, Floats("a", 1, 2, 3), Floats("b", 1, 2, 3));
        badDtype.Inputs[0].Dtype = 8; // ONNX string tensors are not carried

        var unsupported = await ExchangeAsync(badDtype.ToByteArray());
        var ok = await ExchangeAsync(Request("j7", "add", InAMinute, Floats("a", 1, 1, 1), Floats("b", 1, 2, 3)).ToByteArray());

        Assert.That(unknown.Error.Code, Is.EqualTo(InferErrorCode.UnknownModel));
        Assert.That(unknown.JobId, Is.EqualTo("j1"));
        Assert.That(wrongType.Error.Code, Is.EqualTo(InferErrorCode.BadInput));
        Assert.That(wrongType.Error.Message, Does.Contain("Int32"));
        Assert.That(expired.Error.Code, Is.EqualTo(InferErrorCode.DeadlineExceeded));
        Assert.That(noDeadline.Error.Code, Is.EqualTo(InferErrorCode.BadInput));
        Assert.That(garbage.Error.Code, Is.EqualTo(InferErrorCode.BadInput));
        Assert.That(unsupported.Error.Code, Is.EqualTo(InferErrorCode.BadInput));
        Assert.That(unsupported.Error.Message, Does.Contain("element type 8"));
        Assert.That(ok.Error, Is.Null);
        Assert.That(ok.ModelHash, Is.EqualTo(AddHash), "a request by name is answered with the model's hash");
        Assert.That(WireTensors.FromWire(ok.Outputs.Single()).ToFloats(), Is.EqualTo(new float[] { 2, 3, 4 }));
    }

    [Test]
    public async Task OversizedMessage_EndsTheStreamWithAFramingError()
    {
        // A declared length far above the engine's limit cannot be skipped safely, so the handler stops.
        await _client.WriteAsync(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F });
        await _client.FlushAsync();

        var e = Assert.ThrowsAsync<InvalidDataException>(() => _serving.WaitAsync(Bounded))!;

        Assert.That(e.Message, Does.Contain("exceeds the limit"));
        _serving = Task.CompletedTask;
    }
}
