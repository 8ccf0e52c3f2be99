using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Scheduling;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Tests.Inference;

/// <summary>
/// Per-model request limits (issue 13 item 3, issue 16 item 1): found at load (MiniLM's 512-entry position table, its
/// output sizes learnt by probe runs), configurable, and checked before anything runs.
/// </summary>
[TestFixture]
public sealed class ModelLimitsTests
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(60);
    private InferenceTestDirectory _dir = null!;
    private ModelStore _store = null!;
    private InferenceEngine _engine = null!;
    private InferenceEngine _tight = null!;

    [OneTimeSetUp]
    public void OneTimeSetUp()
    {
        _dir = new InferenceTestDirectory();
        _store = new ModelStore(_dir.Sub("data"));
        _store.AddBuiltin(BuiltinModels.AllMiniLmL6V2);
        _store.Add(OnnxTestModels.Write(_dir.Sub("in"), "add.onnx", OnnxTestModels.AddFloat()), "add");
        _engine = InferenceEngine.Start(new InferenceEngineOptions { Models = [BuiltinModels.AllMiniLmL6V2, "add"] }, _store);
        _tight = InferenceEngine.Start(new InferenceEngineOptions
        {
            Models = [BuiltinModels.AllMiniLmL6V2],
            DefaultServing = new ModelServingOptions(MaxRows: 8, MaxSequenceLength: 2048, MaxOutputBytes: 100_000),
        }, _store);
    }

    [OneTimeTearDown]
    public async Task OneTimeTearDown()
    {
        await _engine.DisposeAsync();
        await _tight.DisposeAsync();
        _store.Dispose();
        _dir.Dispose();
    }

    private static DateTimeOffset Soon => DateTimeOffset.UtcNow + Bounded;

    /// <summary>MiniLM's three int64 inputs of shape [rows, length], all zero (token id 0 is [PAD]).</summary>
    private static InferenceRequest MiniLm(long rows, long length)
    {
        var zeros = new long[rows * length];
        return new InferenceRequest(BuiltinModels.AllMiniLmL6V2,
            [.. BuiltinModels.AllMiniLmL6V2Inputs.Select(name => Tensor.FromInt64s(name, [rows, length], zeros))], Soon);
    }

    [Test]
    public void MiniLmsLimits_AreFoundAtLoad()
    {
        var limits = _engine.Limits(BuiltinModels.AllMiniLmL6V2)!;

        Assert.That(limits.MaxSequenceLength, Is.EqualTo(512), "the length of MiniLM's position table");
        Assert.That(limits.MaxRows, Is.EqualTo(ModelServingOptions.DefaultMaxRows));
        Assert.That(limits.MaxOutputBytes, Is.EqualTo(ModelServingOptions.DefaultMaxOutputBytes));
        // A configured sequence length above the model's own is lowered to it.
        Assert.That(_tight.Limits(BuiltinModels.AllMiniLmL6V2)!.MaxSequenceLength, Is.EqualTo(512));
        // The add model has no position table: no sequence limit of its own.
        Assert.That(_engine.Limits("add")!.MaxSequenceLength, Is.EqualTo(long.MaxValue));
    }

    [Test]
    public void OutputBytes_ArePredictedFromTheInputShapes()
    {
        // last_hidden_state [2, 7, 384] and the pooler's [2, 384], FP32.
        var cost = _engine.Prepare(MiniLm(2, 7)).Cost;

        Assert.That(cost.OutputBytes, Is.EqualTo((2 * 7 * 384 + 2 * 384) * 4));
        Assert.That(cost.InputBytes, Is.EqualTo(3 * 2 * 7 * 8));
        Assert.That(_engine.Prepare(new InferenceRequest("add", [Tensor.FromFloats("a", [5, 3], new float[15]), Tensor.FromFloats("b", [5, 3], new float[15])], Soon)).Cost.OutputBytes,
            Is.EqualTo(5 * 3 * 4));
    }

    [Test]
    public async Task ASequenceLongerThanThePositionTable_IsBadInput_AndNeverRuns()
    {
        // Issue 16's [1, 600]: ONNX Runtime's position lookup failed on it, answered as "internal" (the node's fault).
        var runs = _engine.Statistics(BuiltinModels.AllMiniLmL6V2).Runs;

        var e = Assert.ThrowsAsync<InferenceException>(() => _engine.RunAsync(MiniLm(1, 600)).WaitAsync(Bounded));

        Assert.That(e!.Code, Is.EqualTo(InferenceErrorCode.BadInput), e.Message);
        Assert.That(e.Message, Does.Contain("600").And.Contain("512"));
        Assert.That(_engine.Statistics(BuiltinModels.AllMiniLmL6V2).Runs, Is.EqualTo(runs), "nothing ran");
        // The longest sequence the table allows runs.
        var result = await _engine.RunAsync(MiniLm(1, 512)).WaitAsync(Bounded);
        Assert.That(result.Outputs.First(o => o.Name == "last_hidden_state").Shape, Is.EqualTo(new long[] { 1, 512, 384 }));
    }

    [Test]
    public void TenThousandRowsOfOneToken_IsBadInput_AndNeverRuns()
    {
        // Issue 13's [10000, 1]: 240 KB on the wire raised the node's memory by 346 MB and answered 92 MB.
        var runs = _engine.Statistics(BuiltinModels.AllMiniLmL6V2).Runs;
        var before = GC.GetAllocatedBytesForCurrentThread();

        var e = Assert.ThrowsAsync<InferenceException>(() => _engine.RunAsync(MiniLm(10_000, 1)).WaitAsync(Bounded));

        Assert.That(e!.Code, Is.EqualTo(InferenceErrorCode.BadInput), e.Message);
        Assert.That(e.Message, Does.Contain("10000 rows").And.Contain("256"));
        Assert.That(_engine.Statistics(BuiltinModels.AllMiniLmL6V2).Runs, Is.EqualTo(runs), "nothing ran");
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(1 << 20), "refused without allocating outputs");
    }

    [Test]
    public void OutputsAboveTheConfiguredLimit_AreBadInput_BeforeTheyRun()
    {
        // 8 rows of 8 tokens: (8·8·384 + 8·384)·4 = 110,592 bytes of outputs, above the configured 100,000.
        var runs = _tight.Statistics(BuiltinModels.AllMiniLmL6V2).Runs;

        var e = Assert.Throws<InferenceException>(() => _tight.Prepare(MiniLm(8, 8)));
        var rows = Assert.Throws<InferenceException>(() => _tight.Prepare(MiniLm(9, 1)));

        Assert.That(e!.Code, Is.EqualTo(InferenceErrorCode.BadInput));
        Assert.That(e.Message, Does.Contain("110592").And.Contain("100000"));
        Assert.That(rows!.Message, Does.Contain("9 rows").And.Contain("limit of 8"));
        Assert.That(_tight.Prepare(MiniLm(8, 7)).Cost.OutputBytes, Is.EqualTo((8 * 7 * 384 + 8 * 384) * 4));
        Assert.That(_tight.Statistics(BuiltinModels.AllMiniLmL6V2).Runs, Is.EqualTo(runs));
    }

    [Test]
    public void ThePositionTable_IsReadWithoutTheWeights_AndMalformedFilesAreRefused()
    {
        using (var model = File.OpenRead(_store.ModelPath(BuiltinModels.AllMiniLmL6V2Hash)))
            Assert.That(OnnxPositionTable.MaxPositions(model), Is.EqualTo(512));
        using (var add = new MemoryStream(OnnxTestModels.AddFloat()))
            Assert.That(OnnxPositionTable.MaxPositions(add), Is.Null);
        var truncated = OnnxTestModels.AddFloat()[..^3];
        Assert.Throws<InvalidDataException>(() => OnnxPositionTable.MaxPositions(new MemoryStream(truncated)));
    }
}
