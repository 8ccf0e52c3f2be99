using Cerebrum.Core.Inference.Embedding;
using Cerebrum.Core.Inference.Scheduling;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Inference;

/// <summary>A model the engine serves: its metadata, limits, warm session, scheduler, and, for text encoders, its embedding pipeline.</summary>
internal sealed class LoadedModel(ModelInfo info, ModelLimits limits, OutputSizeModel? outputs, OnnxModelRunner runner, ModelScheduler scheduler, TextEmbeddingPipeline? embedding) : IAsyncDisposable
{
    public ModelInfo Info { get; } = info;

    public ModelLimits Limits { get; } = limits;

    /// <summary>Predicts a request's output size; null when the model's output shapes could not be learnt at load.</summary>
    public OutputSizeModel? Outputs { get; } = outputs;

    public ModelScheduler Scheduler { get; } = scheduler;

    public TextEmbeddingPipeline? Embedding { get; } = embedding;

    public async ValueTask DisposeAsync()
    {
        await Scheduler.DisposeAsync().ConfigureAwait(false);
        runner.Dispose();
    }
}
