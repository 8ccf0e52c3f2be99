using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Scheduling;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Tests.Inference;

[TestFixture]
public sealed class InferenceEngineTests
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(20);
    private InferenceTestDirectory _dir = null!;
    private ModelStore _store = null!;
    private InferenceEngine? _engine;

    [SetUp]
    public void SetUp()
    {
        _dir = new InferenceTestDirectory();
        _store = new ModelStore(_dir.Sub("data"));
        _store.Add(OnnxTestModels.Write(_dir.Sub("in"), "add.onnx", OnnxTestModels.AddFloat()), "add");
        _store.Add(OnnxTestModels.Write(_dir.Sub("in"), "mm.onnx", OnnxTestModels.MatMulFloat()), "mm");
        _store.Add(OnnxTestModels.Write(_dir.Sub("in"), "fixed.onnx", OnnxTestModels.AddInt64Fixed()), "fixed");
    }

    [TearDown]
    public async Task TearDown()
    {
        if (_engine is not null) await _engine.DisposeAsync();
        _store.Dispose();
        _dir.Dispose();
    }

    private InferenceEngine Start(InferenceEngineOptions? options = null) =>
        _engine = InferenceEngine.Start((options ?? new InferenceEngineOptions()) with { Models = ["add", "mm", "fixed"] }, _store);

    private static DateTimeOffset Soon => DateTimeOffset.UtcNow + Bounded;

    private static Tensor Floats(string name, long rows, params float[] values) => Tensor.FromFloats(name, [rows, values.Length / rows], values);

    [Test]
    public async Task Add_ProducesTheExactSums()
    {
        var engine = Start();

        var result = await engine.RunAsync(new InferenceRequest("add", [Floats("a", 2, 1, 2, 3, 4, 5, 6), Floats("b", 2, 10, 20, 30, 40, 50, 60)], Soon));

        var c = result.Outputs.Single();
        Assert.That(c.Name, Is.EqualTo("c"));
        Assert.That(c.Shape, Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(c.ToFloats(), Is.EqualTo(new float[] { 11, 22, 33, 44, 55, 66 }));
        Assert.That(result.ModelHash, Is.EqualTo(_store.Find("add")!.Hash));
    }

    [Test]
    public async Task MatMul_ByHash_ProducesTheExactProduct()
    {
        var engine = Start();
        var hash = _store.Find("mm")!.Hash;

        var result = await engine.RunAsync(new InferenceRequest(hash, [Floats("x", 2, 1, 0, 1, 1)], Soon));

        Assert.That(result.Outputs.Single().ToFloats(), Is.EqualTo(new float[] { 1, 2, 3, 5, 7, 9 }));
    }

    [Test]
    public async Task FixedInt64Model_Runs()
    {
        var engine = Start();
        long[] shape = [2, 2];

        var result = await engine.RunAsync(new InferenceRequest("fixed", [Tensor.FromInt64s("a", shape, [1, 2, 3, 4]), Tensor.FromInt64s("b", shape, [100, 200, 300, 400])], Soon));

        Assert.That(result.Outputs.Single().ToInt64s(), Is.EqualTo(new long[] { 101, 202, 303, 404 }));
    }

    private static IEnumerable<TestCaseData> BadInputs()
    {
        var good = Floats("b", 1, 1, 2, 3);
        yield return new TestCaseData("add", new[] { Tensor.FromInt32s("a", [1, 3], [1, 2, 3]), good }, "is Int32, the model expects Float32").SetName("WrongDtype");
        yield return new TestCaseData("add", new[] { Tensor.FromFloats("a", [3], [1, 2, 3]), good }, "has rank 1").SetName("WrongRank");
        yield return new TestCaseData("add", new[] { Tensor.FromFloats("a", [1, 4], [1, 2, 3, 4]), good }, "dimension 1 is 4, the model requires 3").SetName("WrongFixedDim");
        yield return new TestCaseData("add", new[] { Floats("a", 2, 1, 2, 3, 4, 5, 6), good }, "('batch') is 1, but input 'a' gives 'batch' = 2").SetName("InconsistentDynamicDim");
        yield return new TestCaseData("add", new[] { new Tensor("a", TensorDataType.Float32, [1, 3], new byte[8]), good }, "carries 8 bytes").SetName("ByteSizeMismatch");
        yield return new TestCaseData("add", new[] { Floats("a", 1, 1, 2, 3), good, Floats("z", 1, 1, 2, 3) }, "unknown input 'z'").SetName("UnknownInputName");
        yield return new TestCaseData("add", new[] { Floats("a", 1, 1, 2, 3) }, "missing input 'b'").SetName("MissingInput");
        yield return new TestCaseData("add", new[] { Floats("a", 1, 1, 2, 3), Floats("a", 1, 1, 2, 3) }, "given twice").SetName("DuplicateInput");
        yield return new TestCaseData("fixed", new[] { Tensor.FromInt64s("a", [2, 3], new long[6]), Tensor.FromInt64s("b", [2, 2], new long[4]) }, "dimension 1 is 3, the model requires 2").SetName("FixedModelWrongDim");
    }

    [TestCaseSource(nameof(BadInputs))]
    public async Task BadInput_IsRefusedPreciselyAndTheNextRequestIsServed(string model, Tensor[] inputs, string reason)
    {
        var engine = Start();

        var e = Assert.ThrowsAsync<InferenceException>(() => engine.RunAsync(new InferenceRequest(model, inputs, Soon)))!;

        Assert.That(e.Code, Is.EqualTo(InferenceErrorCode.BadInput));
        Assert.That(e.Message, Does.Contain(reason));
        var next = await engine.RunAsync(new InferenceRequest("add", [Floats("a", 1, 1, 1, 1), Floats("b", 1, 2, 2, 2)], Soon));
        Assert.That(next.Outputs.Single().ToFloats(), Is.EqualTo(new float[] { 3, 3, 3 }));
    }

    [Test]
    public void OversizedRequest_IsBadInput()
    {
        var engine = Start(new InferenceEngineOptions { MaxRequestBytes = 1000 });
        var big = new float[200 * 3];

        var e = Assert.ThrowsAsync<InferenceException>(() => engine.RunAsync(new InferenceRequest("add", [Floats("a", 200, big), Floats("b", 200, big)], Soon)))!;

        Assert.That(e.Code, Is.EqualTo(InferenceErrorCode.BadInput));
        Assert.That(e.Message, Does.Contain("above the limit of 1000 bytes"));
    }

    [Test]
    public void UnknownModel_IsTyped()
    {
        var engine = Start();

        var byName = Assert.ThrowsAsync<InferenceException>(() => engine.RunAsync(new InferenceRequest("nope", [], Soon)))!;
        var byHash = Assert.ThrowsAsync<InferenceException>(() => engine.RunAsync(new InferenceRequest("sha256:" + new string('a', 64), [], Soon)))!;

        Assert.That(byName.Code, Is.EqualTo(InferenceErrorCode.UnknownModel));
        Assert.That(byHash.Code, Is.EqualTo(InferenceErrorCode.UnknownModel));
    }

    [Test]
    public async Task ExpiredDeadline_IsRefusedAtOnce_AndTheNodeKeepsServing()
    {
        var engine = Start();

        var e = Assert.ThrowsAsync<InferenceException>(() =>
            engine.RunAsync(new InferenceRequest("add", [Floats("a", 1, 1, 2, 3), Floats("b", 1, 1, 2, 3)], DateTimeOffset.UtcNow.AddSeconds(-1))))!;

        Assert.That(e.Code, Is.EqualTo(InferenceErrorCode.DeadlineExceeded));
        Assert.That(engine.Statistics("add").Runs, Is.Zero);
        var next = await engine.RunAsync(new InferenceRequest("add", [Floats("a", 1, 1, 2, 3), Floats("b", 1, 1, 2, 3)], Soon));
        Assert.That(next.Outputs.Single().ToFloats(), Is.EqualTo(new float[] { 2, 4, 6 }));
    }

    [Test]
    public async Task DeadlinePassingWhileQueued_IsDroppedWithoutRunning()
    {
        var engine = Start();
        var (entered, release) = Gate(engine, "add");
        var blocker = engine.RunAsync(new InferenceRequest("add", [Floats("a", 1, 1, 2, 3), Floats("b", 1, 1, 2, 3)], Soon));
        await entered.Task.WaitAsync(Bounded);

        var late = engine.RunAsync(new InferenceRequest("add", [Floats("a", 1, 1, 2, 3), Floats("b", 1, 1, 2, 3)], DateTimeOffset.UtcNow.AddMilliseconds(150)));
        var e = Assert.ThrowsAsync<InferenceException>(() => late.WaitAsync(Bounded))!;
        Assert.That(e.Code, Is.EqualTo(InferenceErrorCode.DeadlineExceeded));

        release.SetResult();
        await blocker.WaitAsync(Bounded);
        var after = await engine.RunAsync(new InferenceRequest("add", [Floats("a", 1, 1, 2, 3), Floats("b", 1, 1, 2, 3)], Soon)).WaitAsync(Bounded);
        Assert.That(after.Outputs.Single().ToFloats(), Is.EqualTo(new float[] { 2, 4, 6 }));
        // The expired request was dequeued and dropped, never run: one run for the blocker, one for the last request.
        Assert.That(engine.Statistics("add").Runs, Is.EqualTo(2));
    }

    [Test]
    public async Task FullQueue_AnswersBusyAtOnce()
    {
        var engine = Start(new InferenceEngineOptions { DefaultServing = new ModelServingOptions(MaxConcurrency: 1, MaxQueueLength: 2) });
        var (entered, release) = Gate(engine, "add");
        Task<InferenceResult> Submit(float v) => engine.RunAsync(new InferenceRequest("add", [Floats("a", 1, v, v, v), Floats("b", 1, 1, 1, 1)], Soon));
        var running = Submit(1);
        await entered.Task.WaitAsync(Bounded);
        var queued = new[] { Submit(2), Submit(3) };

        var e = Assert.ThrowsAsync<InferenceException>(() => Submit(4))!;

        Assert.That(e.Code, Is.EqualTo(InferenceErrorCode.Busy));
        Assert.That(engine.Statistics("add").RejectedBusy, Is.EqualTo(1));
        release.SetResult();
        var results = await Task.WhenAll(queued.Prepend(running)).WaitAsync(Bounded);
        Assert.That(results.Select(r => r.Outputs.Single().ToFloats()[0]), Is.EqualTo(new float[] { 2, 3, 4 }));
    }

    [Test]
    public async Task DynamicBatching_MergesConcurrentRequestsAndSplitsOutputs()
    {
        const int requests = 8;
        var engine = Start(new InferenceEngineOptions
        {
            PerModel = new Dictionary<string, ModelServingOptions>
            {
                // A long delay with a batch size equal to the request count: the batch closes the moment it is full.
                ["mm"] = new(MaxConcurrency: 1, MaxQueueLength: 64, MaxBatchSize: requests, MaxQueueDelay: TimeSpan.FromSeconds(5)),
            },
        });

        var tasks = Enumerable.Range(0, requests)
            .Select(i => engine.RunAsync(new InferenceRequest("mm", [Floats("x", 1, i, 1)], Soon)))
            .ToArray();
        var results = await Task.WhenAll(tasks).WaitAsync(Bounded);

        for (var i = 0; i < requests; i++)
        {
            // [i, 1] · [[1, 2, 3], [4, 5, 6]] = [i + 4, 2i + 5, 3i + 6]
            Assert.That(results[i].Outputs.Single().ToFloats(), Is.EqualTo(new float[] { i + 4, 2 * i + 5, 3 * i + 6 }), $"request {i}");
            Assert.That(results[i].Outputs.Single().Shape, Is.EqualTo(new long[] { 1, 3 }));
        }
        var stats = engine.Statistics("mm");
        Assert.That(stats.Completed, Is.EqualTo(requests));
        Assert.That(stats.Runs, Is.LessThan(requests));
        Assert.That(results.Max(r => r.BatchRequests), Is.GreaterThan(1));
    }

    [Test]
    public async Task DynamicBatching_DoesNotMergeDifferentShapes_AndRespectsMaxRows()
    {
        var engine = Start(new InferenceEngineOptions
        {
            PerModel = new Dictionary<string, ModelServingOptions> { ["mm"] = new(MaxBatchSize: 3, MaxQueueDelay: TimeSpan.FromMilliseconds(50)) },
        });

        var two = engine.RunAsync(new InferenceRequest("mm", [Floats("x", 2, 1, 0, 0, 1)], Soon));
        var one = engine.RunAsync(new InferenceRequest("mm", [Floats("x", 1, 1, 1)], Soon));
        var three = engine.RunAsync(new InferenceRequest("mm", [Floats("x", 3, 0, 0, 0, 0, 0, 0)], Soon));
        await Task.WhenAll(two, one, three).WaitAsync(Bounded);

        Assert.That((await two).Outputs.Single().ToFloats(), Is.EqualTo(new float[] { 1, 2, 3, 4, 5, 6 }));
        Assert.That((await one).Outputs.Single().ToFloats(), Is.EqualTo(new float[] { 5, 7, 9 }));
        Assert.That((await three).Outputs.Single().Shape, Is.EqualTo(new long[] { 3, 3 }));
        Assert.That((await three).BatchRequests, Is.EqualTo(1), "a 3-row request fills the batch alone");
    }

    [Test]
    public async Task DynamicBatching_ALoneRequestRunsWhenTheWindowCloses()
    {
        var engine = Start(new InferenceEngineOptions
        {
            PerModel = new Dictionary<string, ModelServingOptions> { ["mm"] = new(MaxBatchSize: 8, MaxQueueDelay: TimeSpan.FromMilliseconds(30)) },
        });

        var alone = await engine.RunAsync(new InferenceRequest("mm", [Floats("x", 1, 1, 1)], Soon)).WaitAsync(Bounded);

        Assert.That(alone.BatchRequests, Is.EqualTo(1), "the batch closed without waiting for more requests to fill it");
        Assert.That(alone.Outputs.Single().ToFloats(), Is.EqualTo(new float[] { 5, 7, 9 }));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task IntraOpSpinning_EitherWay_GivesTheSameResults(bool spinning)
    {
        var engine = Start(new InferenceEngineOptions { IntraOpSpinning = spinning });

        var result = await engine.RunAsync(new InferenceRequest("mm", [Floats("x", 2, 1, 0, 0, 1)], Soon)).WaitAsync(Bounded);

        Assert.That(engine.LoadFailures, Is.Empty, "ONNX Runtime accepted the session setting");
        Assert.That(result.Outputs.Single().ToFloats(), Is.EqualTo(new float[] { 1, 2, 3, 4, 5, 6 }));
    }

    [Test]
    public void IntraOpSpinning_IsOffByDefault() => Assert.That(new InferenceEngineOptions().IntraOpSpinning, Is.False);

    [Test]
    public async Task Runs_HappenOnDedicatedThreads_NotThreadPoolThreads()
    {
        var engine = Start();
        var onPool = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        engine.SetBeforeRunHook("add", _ =>
        {
            onPool.TrySetResult(Thread.CurrentThread.IsThreadPoolThread);
            return Task.CompletedTask;
        });

        await engine.RunAsync(new InferenceRequest("add", [Floats("a", 1, 1, 2, 3), Floats("b", 1, 1, 2, 3)], Soon)).WaitAsync(Bounded);

        // A run blocks its thread for the whole ONNX Runtime call; on the pool it would starve the network code.
        Assert.That(await onPool.Task.WaitAsync(Bounded), Is.False);
    }

    [Test]
    public async Task Disposing_FailsTheHeldAndTheQueuedRequests()
    {
        var engine = Start();
        var (entered, _) = Gate(engine, "add");
        var held = engine.RunAsync(new InferenceRequest("add", [Floats("a", 1, 1, 2, 3), Floats("b", 1, 1, 2, 3)], Soon));
        await entered.Task.WaitAsync(Bounded);
        var queued = engine.RunAsync(new InferenceRequest("add", [Floats("a", 1, 1, 2, 3), Floats("b", 1, 1, 2, 3)], Soon));

        await engine.DisposeAsync().AsTask().WaitAsync(Bounded);
        _engine = null;

        foreach (var request in new[] { held, queued })
        {
            var e = Assert.ThrowsAsync<InferenceException>(() => request.WaitAsync(Bounded))!;
            Assert.That(e.Code, Is.EqualTo(InferenceErrorCode.Internal));
            Assert.That(e.Message, Does.Contain("unloaded"));
        }
    }

    [Test]
    public async Task CorruptModelFile_IsRefusedAtStart_WhileOtherModelsKeepWorking()
    {
        var mm = _store.Find("mm")!;
        var path = _store.ModelPath(mm.Hash);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[^1] ^= 0xFF;
        await File.WriteAllBytesAsync(path, bytes);

        var engine = Start();

        var failure = engine.LoadFailures.Single();
        Assert.That(failure.Model, Is.EqualTo("mm"));
        Assert.That(failure.Reason, Does.Contain(path).And.Contain("corrupt"));
        Assert.That(engine.Models.Select(m => m.Name), Is.EquivalentTo(new[] { "add", "fixed" }));
        var e = Assert.ThrowsAsync<InferenceException>(() => engine.RunAsync(new InferenceRequest("mm", [Floats("x", 1, 1, 1)], Soon)))!;
        Assert.That(e.Code, Is.EqualTo(InferenceErrorCode.UnknownModel));
        var ok = await engine.RunAsync(new InferenceRequest("add", [Floats("a", 1, 1, 2, 3), Floats("b", 1, 1, 2, 3)], Soon));
        Assert.That(ok.Outputs.Single().ToFloats(), Is.EqualTo(new float[] { 2, 4, 6 }));
    }

    [Test]
    public async Task GpuRequestedWithoutCuda_FallsBackToCpuWithAReason()
    {
        var engine = Start(new InferenceEngineOptions { UseGpu = true });

        if (engine.Gpu.Active) Assert.Ignore("a usable CUDA device is present on this machine");
        Assert.That(engine.Gpu.Requested, Is.True);
        Assert.That(engine.Gpu.Reason, Does.Contain("providers_cuda"), "the reason names the library that cannot load");
        Assert.That(engine.Gpu.Describe(), Does.Contain("running on CPU"));
        await TestContext.Out.WriteLineAsync(engine.Gpu.Describe());
        var ok = await engine.RunAsync(new InferenceRequest("add", [Floats("a", 1, 1, 2, 3), Floats("b", 1, 1, 2, 3)], Soon));
        Assert.That(ok.Outputs.Single().ToFloats(), Is.EqualTo(new float[] { 2, 4, 6 }));
    }

    [Test]
    public void InvalidOptions_AreRefusedAtStart()
    {
        var e = Assert.Throws<ArgumentException>(() => Start(new InferenceEngineOptions { DefaultServing = new ModelServingOptions(MaxConcurrency: 0) }))!;
        Assert.That(e.Message, Does.Contain("MaxConcurrency"));
    }

    /// <summary>Holds the model's workers before each run until released; signals when the first run is held.</summary>
    private static (TaskCompletionSource Entered, TaskCompletionSource Release) Gate(InferenceEngine engine, string model)
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        engine.SetBeforeRunHook(model, async ct =>
        {
            entered.TrySetResult();
            await release.Task.WaitAsync(ct);
        });
        return (entered, release);
    }
}
