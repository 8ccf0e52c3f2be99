using Cerebrum.Core.Inference.Embedding;
using Cerebrum.Core.Inference.Scheduling;
using Cerebrum.Core.Inference.Store;

namespace Cerebrum.Core.Inference;

/// <summary>Settings of the <see cref="InferenceEngine"/>, validated when it starts.</summary>
public sealed record InferenceEngineOptions
{
    /// <summary>Models (names or hashes in the store) loaded at start-up and kept warm.</summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    /// <summary>Request the CUDA execution provider; falls back to CPU, with one log line, when CUDA is not usable.</summary>
    public bool UseGpu { get; init; }

    public int GpuDeviceId { get; init; }

    /// <summary>Largest total input size of one request, in bytes.</summary>
    public long MaxRequestBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>ONNX Runtime intra-op threads per session; 0 lets ONNX Runtime choose.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// Whether ONNX Runtime's intra-op threads spin-wait between parallel sections instead of sleeping (ONNX Runtime's
    /// own default). Off by default: the spinning threads hold their cores during and after every run, taking them from
    /// the network and protocol code that feeds the model, and from a run's own sibling threads when the machine is
    /// busy. On a shared 2-core VM, turning it off halved the process CPU per MiniLM request (see docs/benchmarks.md).
    /// </summary>
    public bool IntraOpSpinning { get; init; }

    /// <summary>Serving settings of models without an entry in <see cref="PerModel"/>.</summary>
    public ModelServingOptions DefaultServing { get; init; } = ModelServingOptions.Default;

    /// <summary>Serving settings by model name or hash.</summary>
    public IReadOnlyDictionary<string, ModelServingOptions> PerModel { get; init; } = new Dictionary<string, ModelServingOptions>();

    /// <summary>
    /// Token sequences of <see cref="InferenceEngine.EmbedAsync"/> are padded to a multiple of this so that concurrent
    /// embedding requests share a shape and batch (how long a model's sequences may be is its text encoding's to say).
    /// </summary>
    public int EmbeddingPadMultiple { get; init; } = TextEmbeddingPipelines.DefaultPadMultiple;

    /// <exception cref="ArgumentException">The first setting out of range, naming it.</exception>
    public void Validate()
    {
        if (GpuDeviceId < 0) throw new ArgumentException($"GpuDeviceId must be >= 0, not {GpuDeviceId}");
        if (MaxRequestBytes < 1) throw new ArgumentException($"MaxRequestBytes must be positive, not {MaxRequestBytes}");
        if (IntraOpThreads < 0) throw new ArgumentException($"IntraOpThreads must be >= 0, not {IntraOpThreads}");
        if (EmbeddingPadMultiple is < 1 or > 512) throw new ArgumentException($"EmbeddingPadMultiple must be 1..512, not {EmbeddingPadMultiple}");
        DefaultServing.Validate("(default)");
        foreach (var (model, serving) in PerModel) serving.Validate(model);
    }

    public ModelServingOptions ServingFor(ModelInfo model) =>
        PerModel.TryGetValue(model.Hash, out var byHash) ? byHash
        : PerModel.TryGetValue(model.Name, out var byName) ? byName
        : DefaultServing;
}
