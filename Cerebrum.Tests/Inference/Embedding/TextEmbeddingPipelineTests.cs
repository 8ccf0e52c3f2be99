using System.Text;
using Cerebrum.Core.Inference.Embedding;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Tests.Inference.Embedding;

/// <summary>The one text-embedding pipeline: tokenization into tensors, pooling of the model's answer, and its choice of tokenizer per model.</summary>
[TestFixture]
public sealed class TextEmbeddingPipelineTests
{
    private static readonly string[] MiniLmInputs = ["input_ids", "attention_mask", "token_type_ids"];

    [Test]
    public void TheBuiltinPipeline_FramesWordPieceIds_AndPadsRowsToAMultipleOf16()
    {
        var pipeline = TextEmbeddingPipelines.ForBuiltin();

        var tokenized = pipeline.Tokenize(["hello world", "hello"]);

        Assert.That((tokenized.Rows, tokenized.Length, tokenized.TokenCount), Is.EqualTo((2, 16, 4 + 3)));
        Assert.That(tokenized.Inputs.Select(i => i.Name), Is.EqualTo(MiniLmInputs));
        Assert.That(tokenized.Inputs.Select(i => i.Shape), Has.All.EqualTo(new long[] { 2, 16 }));
        var ids = tokenized.Inputs[0].ToInt64s();
        // bert-base-uncased: [CLS] 101, hello 7592, world 2088, [SEP] 102; padding 0.
        Assert.That(ids[..5], Is.EqualTo(new long[] { 101, 7592, 2088, 102, 0 }));
        Assert.That(ids[16..20], Is.EqualTo(new long[] { 101, 7592, 102, 0 }));
        var mask = tokenized.Inputs[1].ToInt64s();
        Assert.That(mask, Is.EqualTo(tokenized.AttentionMask));
        Assert.That(mask.Take(16).Sum() + mask.Skip(16).Sum(), Is.EqualTo(7));
        Assert.That(tokenized.Inputs[2].ToInt64s(), Has.All.EqualTo(0L));
    }

    [Test]
    public void ALongText_IsCutAtTheEncodingsMaxTokens_KeepingTheClosingToken()
    {
        var longText = string.Join(' ', Enumerable.Repeat("token", 2000));
        var pipeline = Builtin(BuiltinModels.AllMiniLmL6V2Encoding with { MaxTokens = 40 });

        var tokenized = pipeline.Tokenize([longText]);

        Assert.That((tokenized.Length, tokenized.TokenCount), Is.EqualTo((40, 40)), "the row is not padded past the model's limit");
        var ids = tokenized.Inputs[0].ToInt64s();
        Assert.That((ids[0], ids[^1]), Is.EqualTo((101L, 102L)));
    }

    [Test]
    public void AModelWithoutTokenTypeIds_GetsOnlyIdsAndMask()
    {
        var pipeline = TextEmbeddingPipelines.Builtin.For("enc", BuiltinModels.AllMiniLmL6V2Encoding, ["input_ids", "attention_mask"]);

        Assert.That(pipeline.Tokenize(["x"]).Inputs.Select(i => i.Name), Is.EqualTo(new[] { "input_ids", "attention_mask" }));
    }

    [Test]
    public void Pool_AveragesTheAttendedTokens_AndNormalizes()
    {
        var pipeline = TextEmbeddingPipelines.ForBuiltin();
        var tokenized = pipeline.Tokenize(["hello world", "hello"]);
        var hidden = HiddenState(tokenized, 2, (row, token) => [row + token + 1, 1]);

        var vectors = pipeline.Pool([hidden], tokenized);

        // Row 0 attends tokens 0..3: mean (2.5, 1); row 1 tokens 0..2: mean (3, 1); then unit length.
        Assert.That(vectors[0], Is.EqualTo(Unit(2.5, 1)).Within(1e-6f));
        Assert.That(vectors[1], Is.EqualTo(Unit(3, 1)).Within(1e-6f));
    }

    [Test]
    public void Pool_LeavesTheMeanAsItIs_WhenTheEncodingDoesNotNormalize()
    {
        var pipeline = Builtin(BuiltinModels.AllMiniLmL6V2Encoding with { Normalize = false });
        var tokenized = pipeline.Tokenize(["hello world"]);

        var vectors = pipeline.Pool([HiddenState(tokenized, 2, (_, token) => [token, 2])], tokenized);

        Assert.That(vectors[0], Is.EqualTo(new[] { 1.5f, 2f }));
    }

    [Test]
    public void Pool_RefusesOutputsThatAreNotASentenceEncoders()
    {
        var pipeline = TextEmbeddingPipelines.ForBuiltin();
        var tokenized = pipeline.Tokenize(["hello world"]);
        var good = HiddenState(tokenized, 4, (_, _) => [1, 2, 3, 4]);
        Tensor[][] answers =
        [
            [],
            [good with { Name = "pooled" }],
            [good with { Shape = [1, 16 * 4] }],
            [good with { Shape = [2, 16, 2] }],
            [good with { Shape = [1, 8, 8] }],
            [good with { DataType = TensorDataType.Int32 }],
            [good with { Data = good.Data[..^4] }],
        ];

        foreach (var answer in answers)
            Assert.Throws<TextEmbeddingException>(() => pipeline.Pool(answer, tokenized), string.Join(", ", answer.Select(a => $"{a.Name} {a.DataType} [{string.Join(", ", a.Shape)}]")));
    }

    [Test]
    public void Tokenize_RefusesNoTextsAndNullTexts()
    {
        var pipeline = TextEmbeddingPipelines.ForBuiltin();

        Assert.Throws<ArgumentException>(() => pipeline.Tokenize([]));
        Assert.Throws<ArgumentException>(() => pipeline.Tokenize(["a", null!]));
    }

    [Test]
    public async Task EmbedAsync_RunsTheTokensThroughTheCallersRun_AndPoolsItsAnswer()
    {
        var pipeline = TextEmbeddingPipelines.ForBuiltin();
        IReadOnlyList<Tensor>? ran = null;

        var embedded = await pipeline.EmbedAsync(["hello world"], (inputs, _) =>
        {
            ran = inputs;
            return Task.FromResult("the run");
        }, _ => [HiddenState(pipeline.Tokenize(["hello world"]), 2, (_, token) => [token, 0])], CancellationToken.None);

        Assert.That(ran!.Select(i => i.Name), Is.EqualTo(MiniLmInputs));
        Assert.That(embedded.Run, Is.EqualTo("the run"));
        Assert.That(embedded.TokenCount, Is.EqualTo(4));
        Assert.That(embedded.Vectors[0], Is.EqualTo(new[] { 1f, 0f }));
    }

    [TestCase("sentencepiece", "mean", "tokenized by 'sentencepiece'")]
    [TestCase("bert-uncased", "cls", "pooled by 'cls'")]
    public void AKindThisVersionDoesNotHave_IsRefusedByName(string tokenizer, string pooling, string message)
    {
        var encoding = BuiltinModels.AllMiniLmL6V2Encoding with { Tokenizer = tokenizer, Pooling = pooling };

        var e = Assert.Throws<TextEmbeddingException>(() => TextEmbeddingPipelines.Builtin.For("enc", encoding, MiniLmInputs))!;

        Assert.That(e.Message, Does.Contain(message));
    }

    [Test]
    public void AMalformedEncoding_OrAModelWithoutIdsAndMask_IsRefused()
    {
        Assert.That(Assert.Throws<TextEmbeddingException>(() => TextEmbeddingPipelines.Builtin.For("enc", BuiltinModels.AllMiniLmL6V2Encoding with { MaxTokens = 1 }, MiniLmInputs))!.Message,
            Does.Contain("max tokens 1 is outside"));
        Assert.That(Assert.Throws<TextEmbeddingException>(() => TextEmbeddingPipelines.Builtin.For("enc", BuiltinModels.AllMiniLmL6V2Encoding with { VocabularyHash = "vocab" }, MiniLmInputs))!.Message,
            Does.Contain("vocabulary hash 'vocab'"));
        Assert.That(Assert.Throws<TextEmbeddingException>(() => TextEmbeddingPipelines.Builtin.For("enc", BuiltinModels.AllMiniLmL6V2Encoding, ["input_ids", "token_type_ids"]))!.Message,
            Does.Contain("no 'input_ids' and 'attention_mask' inputs"));
    }

    [Test]
    public void AVocabularyThisProcessDoesNotHave_IsRefused_AndOneThatDoesNotMatchItsHash_Too()
    {
        var unknown = BuiltinModels.AllMiniLmL6V2Encoding with { VocabularyHash = "sha256:" + new string('0', 64) };
        Assert.That(Assert.Throws<TextEmbeddingException>(() => TextEmbeddingPipelines.Builtin.For("enc", unknown, MiniLmInputs))!.Message,
            Does.Contain("needs the tokenizer vocabulary sha256:0000").And.Contain("not available here"));

        var lying = new TextEmbeddingPipelines(_ => new MemoryStream(Encoding.UTF8.GetBytes("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n")));
        Assert.That(Assert.Throws<TextEmbeddingException>(() => lying.For("enc", BuiltinModels.AllMiniLmL6V2Encoding, MiniLmInputs))!.Message,
            Does.Contain("the file is corrupt"));
    }

    [Test]
    public void TheTokenizer_IsChosenByTheEncodingsVocabulary()
    {
        // A six-token vocabulary named by its own hash: the same text gets that vocabulary's ids.
        var words = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n"u8.ToArray();
        var hash = ModelHash.Compute(new MemoryStream(words));
        var pipelines = new TextEmbeddingPipelines(h => h == hash ? new MemoryStream(words) : null);
        var pipeline = pipelines.For("tiny", BuiltinModels.AllMiniLmL6V2Encoding with { VocabularyHash = hash }, MiniLmInputs);

        var ids = pipeline.Tokenize(["Hello world"]).Inputs[0].ToInt64s();

        Assert.That(ids[..5], Is.EqualTo(new long[] { 2, 5, 1, 3, 0 }), "[CLS] hello [UNK] [SEP]");
    }

    private static TextEmbeddingPipeline Builtin(TextEncoding encoding) => TextEmbeddingPipelines.Builtin.For("enc", encoding, MiniLmInputs);

    /// <summary>A [rows, length, dim] last_hidden_state whose token vectors <paramref name="vector"/> gives.</summary>
    private static Tensor HiddenState(TokenizedTexts tokenized, int dim, Func<int, int, float[]> vector)
    {
        var values = new float[tokenized.Rows * tokenized.Length * dim];
        for (var row = 0; row < tokenized.Rows; row++)
            for (var token = 0; token < tokenized.Length; token++)
                vector(row, token).CopyTo(values, (row * tokenized.Length + token) * dim);
        return Tensor.FromFloats("last_hidden_state", [tokenized.Rows, tokenized.Length, dim], values);
    }

    private static float[] Unit(params double[] values)
    {
        var norm = Math.Sqrt(values.Sum(v => v * v));
        return [.. values.Select(v => (float)(v / norm))];
    }
}
