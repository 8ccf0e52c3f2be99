using System.Collections.Concurrent;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Status;
using Cerebrum.Core.Inference.Status.Proto;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;
using Google.Protobuf;

namespace Cerebrum.Tests.Gateway;

/// <summary>
/// The gateway embeds with the tokenizer each model's heartbeats name: per model, not one hard-wired tokenizer; a built-in
/// model's own encoding wins over what a node says; what it cannot tokenize for is a clear 400 and runs nothing.
/// </summary>
[TestFixture]
public sealed class GatewayTextEmbedderTests
{
    private static readonly string LongText = string.Join(' ', Enumerable.Repeat("token", 600));
    private static readonly string ShortHash = "sha256:" + new string('1', 64);
    private static readonly string LongHash = "sha256:" + new string('2', 64);

    private EncoderNodeClient _client = null!;
    private RoutingTable _table = null!;
    private GatewayTextEmbedder _embedder = null!;

    [SetUp]
    public void CreateGateway()
    {
        _client = new EncoderNodeClient();
        _table = new RoutingTable(new RoutingOptions());
        _embedder = new GatewayTextEmbedder(new InferDispatcher(_table, new NodeSelector(new Random(1)), _client, TimeProvider.System), _table);
    }

    [Test]
    public async Task EachModel_IsTokenizedAsItsHeartbeatsSay()
    {
        var (a, b) = (Heartbeats.NewNode(), Heartbeats.NewNode());
        _table.Update([
            Entry(a, ("short", ShortHash, BuiltinModels.AllMiniLmL6V2Encoding with { MaxTokens = 8 })),
            Entry(b, ("long", LongHash, BuiltinModels.AllMiniLmL6V2Encoding with { MaxTokens = 48, Normalize = false }))]);

        var shortRun = await _embedder.EmbedAsync("short", [LongText, "hello"], Deadline(), CancellationToken.None);
        var longRun = await _embedder.EmbedAsync("long", [LongText], Deadline(), CancellationToken.None);

        var (shortCall, longCall) = (_client.Calls.First(), _client.Calls.Last());
        Assert.That((shortCall.Node, shortCall.ModelHash), Is.EqualTo((a, ShortHash)));
        Assert.That(shortCall.Inputs[0].Shape, Is.EqualTo(new long[] { 2, 8 }));
        Assert.That(shortCall.Inputs[0].ToInt64s()[..8], Is.EqualTo(new long[] { 101, 19204, 19204, 19204, 19204, 19204, 19204, 102 }), "[CLS] token×6 [SEP]");
        Assert.That(shortCall.Inputs.Select(i => i.Name), Is.EqualTo(new[] { "input_ids", "attention_mask" }), "the announced model takes no token_type_ids");
        Assert.That(shortRun.TokenCount, Is.EqualTo(8 + 3));
        Assert.That((longCall.Node, longCall.ModelHash), Is.EqualTo((b, LongHash)));
        Assert.That(longCall.Inputs[0].Shape, Is.EqualTo(new long[] { 1, 48 }));
        // The fake encoder's token vector is (id, 1): the mean over [CLS] token×46 [SEP], not scaled to unit length.
        Assert.That(longRun.Vectors[0], Is.EqualTo(new[] { (float)((101 + 19204 * 46 + 102) / 48.0), 1f }).Within(1e-3f));
        Assert.That(Math.Sqrt(shortRun.Vectors[1].Sum(v => (double)v * v)), Is.EqualTo(1).Within(1e-6));
    }

    [Test]
    public async Task TheBuiltinModelsOwnEncoding_WinsOverWhatANodeAnnounces()
    {
        var node = Heartbeats.NewNode();
        _table.Update([Entry(node, ("minilm", BuiltinModels.AllMiniLmL6V2Hash, BuiltinModels.AllMiniLmL6V2Encoding with { MaxTokens = 4 }))]);

        await _embedder.EmbedAsync("minilm", [LongText], Deadline(), CancellationToken.None);

        Assert.That(_client.Calls.Single().Inputs[0].Shape, Is.EqualTo(new long[] { 1, BuiltinModels.AllMiniLmL6V2MaxTokens }));
    }

    [Test]
    public void AModelWhoseTokenizerOrVocabularyThisGatewayDoesNotHave_IsABadRequest_AndRunsNothing()
    {
        var node = Heartbeats.NewNode();
        _table.Update([Entry(node,
            ("spm", ShortHash, BuiltinModels.AllMiniLmL6V2Encoding with { Tokenizer = "sentencepiece-unigram" }),
            ("other-vocabulary", LongHash, BuiltinModels.AllMiniLmL6V2Encoding with { VocabularyHash = "sha256:" + new string('3', 64) }),
            ("untold", "sha256:" + new string('4', 64), null))]);

        var spm = Assert.ThrowsAsync<GatewayException>(() => _embedder.EmbedAsync("spm", ["x"], Deadline(), CancellationToken.None))!;
        var vocabulary = Assert.ThrowsAsync<GatewayException>(() => _embedder.EmbedAsync("other-vocabulary", ["x"], Deadline(), CancellationToken.None))!;
        var untold = Assert.ThrowsAsync<GatewayException>(() => _embedder.EmbedAsync("untold", ["x"], Deadline(), CancellationToken.None))!;

        Assert.That(new[] { spm.Kind, vocabulary.Kind, untold.Kind }, Has.All.EqualTo(GatewayErrorKind.BadRequest));
        Assert.That(spm.Message, Does.Contain("tokenized by 'sentencepiece-unigram'").And.Contain("/v2/models/spm/infer"));
        Assert.That(vocabulary.Message, Does.Contain("needs the tokenizer vocabulary sha256:3333"));
        Assert.That(untold.Message, Does.Contain("do not say how to tokenize for it"));
        Assert.That(_client.Calls, Is.Empty);
    }

    [Test]
    public void ANodeAnsweringANonEncodersShapes_IsABadRequest_NotACrash()
    {
        var node = Heartbeats.NewNode();
        _table.Update([Entry(node, ("enc", ShortHash, BuiltinModels.AllMiniLmL6V2Encoding))]);
        _client.Answer = inputs => [Tensor.FromFloats("last_hidden_state", [1, 1, 2], [1, 2])];

        var e = Assert.ThrowsAsync<GatewayException>(() => _embedder.EmbedAsync("enc", ["hello world"], Deadline(), CancellationToken.None))!;

        Assert.That(e.Kind, Is.EqualTo(GatewayErrorKind.BadRequest));
        Assert.That(e.Message, Does.Contain("a sentence encoder answers FP32[1, 16, dim]"));
    }

    [Test]
    public void UnknownModels_AndTensorModels_AreRefusedBeforeTokenizing()
    {
        _table.Update([Heartbeats.Entry(Heartbeats.NewNode(), 0, ("add", "sha256:01"))]);

        Assert.That(Assert.ThrowsAsync<GatewayException>(() => _embedder.EmbedAsync("nope", ["x"], Deadline(), CancellationToken.None))!.Kind, Is.EqualTo(GatewayErrorKind.UnknownModel));
        Assert.That(Assert.ThrowsAsync<GatewayException>(() => _embedder.EmbedAsync("add", ["x"], Deadline(), CancellationToken.None))!.Message, Does.Contain("is not a text-embedding model"));
        Assert.That(_client.Calls, Is.Empty);
    }

    private static DateTimeOffset Deadline() => DateTimeOffset.UtcNow.AddSeconds(30);

    /// <summary>A heartbeat announcing text-embedding models (inputs input_ids and attention_mask) with their encodings.</summary>
    private static NodeStatusEntry Entry(PeerId node, params (string Name, string Hash, TextEncoding? Encoding)[] models)
    {
        var status = new NodeStatus { NodePeerId = ByteString.CopyFrom(node.Bytes.Span), TimestampUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Sequence = 1 };
        foreach (var (name, hash, encoding) in models)
        {
            var advert = new ModelAdvert { Name = name, Hash = hash, FreeSlots = 1, Task = ModelTasks.TextEmbedding };
            advert.Inputs.Add(new TensorSpec { Name = "input_ids", Dtype = (int)TensorDataType.Int64, Shape = { -1, -1 } });
            advert.Inputs.Add(new TensorSpec { Name = "attention_mask", Dtype = (int)TensorDataType.Int64, Shape = { -1, -1 } });
            advert.Outputs.Add(new TensorSpec { Name = "last_hidden_state", Dtype = (int)TensorDataType.Float32, Shape = { -1, -1, 2 } });
            status.Models.Add(advert);
            if (encoding is not null)
            {
                status.TextEncodings.Add(new ModelTextEncoding
                {
                    ModelHash = hash, Tokenizer = encoding.Tokenizer, VocabularyHash = encoding.VocabularyHash, MaxTokens = (uint)encoding.MaxTokens,
                    Pooling = encoding.Pooling, Normalize = encoding.Normalize,
                });
            }
        }
        return new NodeStatusEntry(new VerifiedNodeStatus(node, status), DateTimeOffset.UtcNow);
    }

    /// <summary>Nodes that answer as a sentence encoder whose token vector is (id, 1); records every call.</summary>
    private sealed class EncoderNodeClient : IInferNodeClient
    {
        public ConcurrentQueue<(PeerId Node, string ModelHash, IReadOnlyList<Tensor> Inputs)> Calls { get; } = new();

        public Func<IReadOnlyList<Tensor>, IReadOnlyList<Tensor>> Answer { get; set; } = inputs =>
        {
            var ids = inputs[0].ToInt64s();
            var hidden = ids.SelectMany(id => new[] { (float)id, 1f }).ToArray();
            return [Tensor.FromFloats("last_hidden_state", [inputs[0].Shape[0], inputs[0].Shape[1], 2], hidden)];
        };

        public Task<InferCallResult> InferAsync(PeerId node, string modelHash, IReadOnlyList<Tensor> inputs, DateTimeOffset deadline, CancellationToken cancellationToken)
        {
            Calls.Enqueue((node, modelHash, inputs));
            return Task.FromResult(new InferCallResult(Guid.NewGuid().ToString("N"), modelHash, Answer(inputs), TimeSpan.Zero, TimeSpan.Zero));
        }
    }
}
