using Cerebrum.Core.Inference.Embedding;
using Cerebrum.Core.Inference.Scheduling;
using Cerebrum.Core.Inference.Store;

namespace Cerebrum.Core.Inference;

/// <summary>A model the engine serves: its metadata, warm session, scheduler, and, for text encoders, its embedding pipeline.</summary>
internal sealed class LoadedModel(ModelInfo info, OnnxModelRunner runner, ModelScheduler scheduler, TextEmbeddingPipeline? embedding) : IAsyncDisposable
{
    public ModelInfo Info { get; } = info;

    public ModelScheduler Scheduler { get; } = scheduler;

    public TextEmbeddingPipeline? Embedding { get; } = embedding;

    public async ValueTask DisposeAsync()
    {
        await Scheduler.DisposeAsync().ConfigureAwait(false);
        runner.Dispose();
    }
}
