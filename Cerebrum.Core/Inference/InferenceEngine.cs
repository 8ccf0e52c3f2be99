using System.Diagnostics.Metrics;
using Cerebrum.Core.Inference.Embedding;
using Cerebrum.Core.Inference.Hardware;
using Cerebrum.Core.Inference.Scheduling;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace Cerebrum.Core.Inference;

/// <summary>
/// The inference layer's entry type. Loads the configured models from the <see cref="ModelStore"/> into warm ONNX Runtime
/// sessions at start-up (refusing, with a reason, any that is missing, corrupt or does not load, while serving the rest),
/// checks each request against the model's signature, and runs it through the model's bounded, deadline-aware,
/// optionally batching scheduler.
/// </summary>
public sealed class InferenceEngine : IAsyncDisposable
{
    private readonly Dictionary<string, LoadedModel> _byHash = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LoadedModel> _byName = new(StringComparer.Ordinal);
    private readonly List<ModelLoadFailure> _failures = [];
    private readonly InferenceEngineOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly InferenceEngineInstruments? _instruments;
    private LoadedModel[] _served = []; // what the instruments observe: set once loading ends, emptied on dispose
    private int _disposed;

    private InferenceEngine(InferenceEngineOptions options, TimeProvider time, ILogger logger, IMeterFactory? meterFactory)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _instruments = InferenceEngineInstruments.Create(meterFactory, () => Volatile.Read(ref _served));
        Gpu = new GpuStatus(options.UseGpu, false, options.UseGpu ? "not probed" : null);
    }

    public GpuStatus Gpu { get; private set; }

    /// <summary>Largest total input size of one request, in bytes (see <see cref="InferenceEngineOptions.MaxRequestBytes"/>).</summary>
    public long MaxRequestBytes => _options.MaxRequestBytes;

    /// <summary>Models being served.</summary>
    public IReadOnlyList<ModelInfo> Models => _byHash.Values.Select(m => m.Info).OrderBy(m => m.Name, StringComparer.Ordinal).ToList();

    /// <summary>Configured models that were refused at start-up, with why.</summary>
    public IReadOnlyList<ModelLoadFailure> LoadFailures => _failures;

    /// <summary>Validates options, probes CUDA when requested, and loads every configured model.</summary>
    /// <param name="meterFactory">Publishes the engine's <see cref="InferenceMetrics"/>; null publishes none.</param>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    public static InferenceEngine Start(InferenceEngineOptions options, ModelStore store, ILogger? logger = null, TimeProvider? time = null, IMeterFactory? meterFactory = null)
    {
        options.Validate();
        var engine = new InferenceEngine(options, time ?? TimeProvider.System, logger ?? NullLogger.Instance, meterFactory);
        engine.Gpu = engine.ProbeGpu();
        var pipelines = new TextEmbeddingPipelines(hash => File.Exists(store.VocabularyPath(hash)) ? File.OpenRead(store.VocabularyPath(hash)) : null, options.EmbeddingPadMultiple);
        foreach (var model in options.Models.Distinct(StringComparer.Ordinal))
            engine.Load(store, pipelines, model);
        Volatile.Write(ref engine._served, [.. engine._byHash.Values]);
        engine._logger.LogInformation("Inference engine serving {Count} model(s) ({Gpu}); {Failed} refused",
            engine._byHash.Count, engine.Gpu.Describe(), engine._failures.Count);
        return engine;
    }

    /// <summary>The served model with this name or hash; null when none.</summary>
    public ModelInfo? FindModel(string nameOrHash) => Resolve(nameOrHash)?.Info;

    /// <summary>What one request to the served model with this name or hash may ask for; null when none is served.</summary>
    public ModelLimits? Limits(string nameOrHash) => Resolve(nameOrHash)?.Limits;

    public ModelStatistics Statistics(string nameOrHash) =>
        (Resolve(nameOrHash) ?? throw new InferenceException(InferenceErrorCode.UnknownModel, $"no model '{nameOrHash}' is loaded")).Scheduler.Statistics;

    /// <summary>Runs one request.</summary>
    /// <exception cref="InferenceException">UnknownModel, BadInput, Busy, DeadlineExceeded or Internal.</exception>
    public Task<InferenceResult> RunAsync(InferenceRequest request, CancellationToken ct = default) => RunAsync(Prepare(request), ct);

    /// <summary>Checks a request against its model's signature and limits, before anything runs, and says what it will cost.</summary>
    /// <exception cref="InferenceException">UnknownModel or BadInput.</exception>
    public PreparedInference Prepare(InferenceRequest request)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var model = Resolve(request.Model) ?? throw new InferenceException(InferenceErrorCode.UnknownModel, $"no model '{request.Model}' is loaded on this node");
        var cost = InputValidator.Validate(model.Info, request.Inputs, model.Limits, model.Outputs);
        return new PreparedInference(request, model, cost);
    }

    /// <summary>Runs a request that <see cref="Prepare"/> accepted.</summary>
    /// <exception cref="InferenceException">Busy, DeadlineExceeded or Internal.</exception>
    public Task<InferenceResult> RunAsync(PreparedInference prepared, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return prepared.Model.Scheduler.SubmitAsync(prepared.Request.Inputs, prepared.Request.Deadline, ct);
    }

    /// <summary>Sentence embeddings of <paramref name="texts"/> with a text-embedding model, through its <see cref="TextEmbeddingPipeline"/>.</summary>
    /// <exception cref="InferenceException">UnknownModel (also for a model that is not a text encoder), BadInput, Busy, DeadlineExceeded, Internal.</exception>
    public async Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, string model = BuiltinModels.AllMiniLmL6V2, DateTimeOffset? deadline = null, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var loaded = Resolve(model) ?? throw new InferenceException(InferenceErrorCode.UnknownModel, $"no model '{model}' is loaded on this node");
        var pipeline = loaded.Embedding ?? throw new InferenceException(InferenceErrorCode.UnknownModel, $"model '{model}' is not a text-embedding model");
        if (texts.Count == 0) return [];
        if (texts.Any(t => t is null)) throw new InferenceException(InferenceErrorCode.BadInput, "texts must not contain null");
        var end = deadline ?? _time.GetUtcNow().AddSeconds(30);
        try
        {
            var embedded = await pipeline.EmbedAsync(texts, (inputs, c) => RunAsync(new InferenceRequest(loaded.Info.Hash, inputs, end), c), r => r.Outputs, ct).ConfigureAwait(false);
            return embedded.Vectors;
        }
        catch (TextEmbeddingException e)
        {
            throw new InferenceException(InferenceErrorCode.Internal, e.Message, e);
        }
    }

    /// <summary>Test hook: awaited by every worker of the model before each run.</summary>
    internal void SetBeforeRunHook(string nameOrHash, Func<CancellationToken, Task>? hook) => Resolve(nameOrHash)!.Scheduler.BeforeRun = hook;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Volatile.Write(ref _served, []);
        foreach (var model in _byHash.Values)
            await model.DisposeAsync().ConfigureAwait(false);
        _byHash.Clear();
        _byName.Clear();
    }

    private LoadedModel? Resolve(string nameOrHash)
    {
        if (ModelHash.IsValid(nameOrHash))
            return _byHash.GetValueOrDefault(ModelHash.Normalize(nameOrHash));
        return _byName.GetValueOrDefault(nameOrHash);
    }

    private void Load(ModelStore store, TextEmbeddingPipelines pipelines, string reference)
    {
        var info = store.Find(reference);
        if (info is null)
        {
            Refuse(reference, $"model '{reference}' is not in the store {store.DataDirectory}");
            return;
        }
        var path = store.ModelPath(info.Hash);
        try
        {
            if (!File.Exists(path)) throw new ModelRejectedException(path, "the file is missing from the store");
            // The store's file may have been damaged since it was added; a node must never serve other bytes under the hash.
            var actual = ModelHash.ComputeFile(path);
            if (actual != info.Hash) throw new ModelRejectedException(path, $"its hash {actual} does not match the recorded {info.Hash}; the file is corrupt");
            var session = CreateSession(path);
            var runner = new OnnxModelRunner(session);
            TextEmbeddingPipeline? embedding = null;
            var serving = _options.ServingFor(info);
            ModelLimits limits;
            OutputSizeModel? outputs;
            try
            {
                (limits, outputs) = FindLimits(info, path, serving, runner);
                if (info.Task == ModelTasks.TextEmbedding)
                {
                    var encoding = info.TextEncoding ?? throw new ModelRejectedException(path, "it is a text-embedding model without a text encoding");
                    if (!info.Outputs.Any(o => o.Name == TextEmbeddingPipeline.LastHiddenState))
                        throw new ModelRejectedException(path, $"it is a text-embedding model without a '{TextEmbeddingPipeline.LastHiddenState}' output");
                    embedding = pipelines.For(info.Name, encoding, info.Inputs.Select(i => i.Name));
                }
            }
            catch (TextEmbeddingException e)
            {
                runner.Dispose();
                throw new ModelRejectedException(path, e.Message, e);
            }
            catch
            {
                runner.Dispose();
                throw;
            }
            var scheduler = new ModelScheduler(info, serving, runner.Run, _time, _logger, _instruments?.Duration);
            var loaded = new LoadedModel(info, limits, outputs, runner, scheduler, embedding);
            _byHash[info.Hash] = loaded;
            _byName[info.Name] = loaded;
            _logger.LogInformation("Loaded model {Name} ({Hash}): concurrency {Concurrency}, queue {Queue}, batching {Batching}; limits {Limits}",
                info.Name, info.Hash, serving.MaxConcurrency, serving.MaxQueueLength, scheduler.Batching ? $"up to {serving.MaxBatchSize} rows within {serving.MaxQueueDelay.TotalMilliseconds} ms" : "off", limits);
        }
        catch (ModelRejectedException e)
        {
            Refuse(reference, e.Message);
        }
        catch (Exception e) when (e is OnnxRuntimeException or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Refuse(reference, $"model file '{path}' refused: {e.Message}");
        }
    }

    /// <summary>
    /// The model's request limits: the configured ones, the sequence length lowered to the model's position table when it
    /// has one, and its output sizes learnt by two probe runs (which also warm the session up).
    /// </summary>
    private (ModelLimits, OutputSizeModel?) FindLimits(ModelInfo info, string path, ModelServingOptions serving, OnnxModelRunner runner)
    {
        long? positions;
        using (var file = File.OpenRead(path))
            positions = OnnxPositionTable.MaxPositions(file);
        var sequence = Math.Min(serving.MaxSequenceLength ?? long.MaxValue, positions ?? long.MaxValue);
        var limits = new ModelLimits(serving.MaxRows, sequence, _options.MaxRequestBytes, serving.MaxOutputBytes);
        OutputSizeModel? outputs = null;
        try
        {
            outputs = OutputSizeModel.Learn(info.Inputs, runner.Run, sequence);
        }
        catch (Exception e) when (e is OnnxRuntimeException or InvalidOperationException or OverflowException)
        {
            _logger.LogWarning("Model {Name}: the probe runs that learn its output sizes failed ({Reason})", info.Name, FirstLine(e.Message));
        }
        if (outputs is null)
            _logger.LogWarning("Model {Name}: its output sizes cannot be predicted from its inputs, so only its inputs are bounded before a run", info.Name);
        return (limits, outputs);
    }

    private void Refuse(string reference, string reason)
    {
        _failures.Add(new ModelLoadFailure(reference, reason));
        _logger.LogError("Model {Model} not served: {Reason}", reference, reason);
    }

    private InferenceSession CreateSession(string path)
    {
        if (Gpu.Active)
        {
            try
            {
                using var gpuOptions = CreateSessionOptions(cuda: true);
                return new InferenceSession(path, gpuOptions);
            }
            catch (OnnxRuntimeException e)
            {
                // CUDA libraries can load while no device works (driver mismatch, no GPU): the first session tells.
                Gpu = Gpu with { Active = false, Reason = FirstLine(e.Message) };
                _logger.LogWarning("{Gpu}", Gpu.Describe());
            }
        }
        using var cpuOptions = CreateSessionOptions(cuda: false);
        return new InferenceSession(path, cpuOptions);
    }

    private SessionOptions CreateSessionOptions(bool cuda)
    {
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        try
        {
            if (_options.IntraOpThreads > 0) options.IntraOpNumThreads = _options.IntraOpThreads;
            if (!_options.IntraOpSpinning) options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            if (cuda) options.AppendExecutionProvider_CUDA(_options.GpuDeviceId);
            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }

    /// <summary>
    /// GetAvailableProviders lists providers compiled in, not usable ones, so CUDA is tried for real: appending the
    /// provider loads its library and the CUDA runtime it needs.
    /// </summary>
    private GpuStatus ProbeGpu()
    {
        if (!_options.UseGpu) return new GpuStatus(false, false, null);
        GpuStatus status;
        if (CudaLibraryProbe.WhyUnusable() is { } reason)
        {
            status = new GpuStatus(true, false, reason);
            _logger.LogWarning("{Gpu}", status.Describe());
            return status;
        }
        try
        {
            using var probe = new SessionOptions();
            probe.AppendExecutionProvider_CUDA(_options.GpuDeviceId);
            status = new GpuStatus(true, true, null);
            _logger.LogInformation("CUDA execution provider enabled on device {Device}", _options.GpuDeviceId);
        }
        catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
        {
            status = new GpuStatus(true, false, FirstLine(e.Message));
            _logger.LogWarning("{Gpu}", status.Describe());
        }
        return status;
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0].Trim();
        return line.Length > 300 ? line[..300] + "…" : line;
    }
}
