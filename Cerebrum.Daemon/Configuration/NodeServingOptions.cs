using Cerebrum.Core.Inference.Scheduling;

namespace Cerebrum.Daemon.Configuration;

/// <summary>How one model is served: "Node:Serving", or one entry of "Node:PerModel".</summary>
public sealed record NodeServingOptions
{
    /// <summary>Runs of the model in flight at once.</summary>
    public int MaxConcurrency { get; init; } = 1;

    /// <summary>Requests waiting beyond those running; one more is answered "busy" at once.</summary>
    public int MaxQueueLength { get; init; } = 64;

    /// <summary>Rows merged into one run by dynamic batching; 1 turns batching off. Only models with a dynamic first dimension batch.</summary>
    public int MaxBatchSize { get; init; } = 1;

    /// <summary>How long the first request of a batch may wait for others to join it.</summary>
    public TimeSpan MaxQueueDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Largest dynamic first dimension (rows) of one request's inputs.</summary>
    public long MaxRows { get; init; } = ModelServingOptions.DefaultMaxRows;

    /// <summary>Largest other dynamic input dimension; unset takes the model's own limit found at load (a transformer's position table).</summary>
    public long? MaxSequenceLength { get; init; }

    /// <summary>Largest predicted output size of one request, in bytes.</summary>
    public long MaxOutputBytes { get; init; } = ModelServingOptions.DefaultMaxOutputBytes;

    public ModelServingOptions ToEngineOptions() => new(MaxConcurrency, MaxQueueLength, MaxBatchSize, MaxQueueDelay, MaxRows, MaxSequenceLength, MaxOutputBytes);
}
