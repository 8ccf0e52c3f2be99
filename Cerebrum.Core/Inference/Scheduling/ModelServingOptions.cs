namespace Cerebrum.Core.Inference.Scheduling;

/// <summary>How one model is served.</summary>
/// <param name="MaxConcurrency">Runs of this model in flight at once.</param>
/// <param name="MaxQueueLength">Requests waiting beyond those running; one more is answered Busy at once.</param>
/// <param name="MaxBatchSize">Rows (first-dimension entries) merged into one run; 1 disables dynamic batching.
/// Only models whose inputs and outputs all have a dynamic first dimension are batched.</param>
/// <param name="MaxQueueDelay">How long the first request of a batch may wait for others to join it.</param>
public sealed record ModelServingOptions(
    int MaxConcurrency = 1,
    int MaxQueueLength = 64,
    int MaxBatchSize = 1,
    TimeSpan MaxQueueDelay = default)
{
    public static ModelServingOptions Default { get; } = new();

    /// <exception cref="ArgumentException">A value out of range, naming it.</exception>
    public void Validate(string model)
    {
        if (MaxConcurrency is < 1 or > 1024) throw new ArgumentException($"model {model}: MaxConcurrency must be 1..1024, not {MaxConcurrency}");
        if (MaxQueueLength is < 0 or > 1_000_000) throw new ArgumentException($"model {model}: MaxQueueLength must be 0..1000000, not {MaxQueueLength}");
        if (MaxBatchSize is < 1 or > 65536) throw new ArgumentException($"model {model}: MaxBatchSize must be 1..65536, not {MaxBatchSize}");
        if (MaxQueueDelay < TimeSpan.Zero || MaxQueueDelay > TimeSpan.FromSeconds(10))
            throw new ArgumentException($"model {model}: MaxQueueDelay must be 0..10 s, not {MaxQueueDelay}");
    }
}
