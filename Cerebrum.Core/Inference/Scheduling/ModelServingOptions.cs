namespace Cerebrum.Core.Inference.Scheduling;

/// <summary>How one model is served.</summary>
/// <param name="MaxConcurrency">Runs of this model in flight at once.</param>
/// <param name="MaxQueueLength">Requests waiting beyond those running; one more is answered Busy at once.</param>
/// <param name="MaxBatchSize">Rows (first-dimension entries) merged into one run; 1 disables dynamic batching.
/// Only models whose inputs and outputs all have a dynamic first dimension are batched.</param>
/// <param name="MaxQueueDelay">How long the first request of a batch may wait for others to join it.</param>
/// <param name="MaxRows">Largest dynamic first dimension of one request's inputs.</param>
/// <param name="MaxSequenceLength">Largest value of any other dynamic input dimension; null takes the model's own limit
/// found at load (a transformer's position table), or none when it has none; a configured value above the model's own is
/// lowered to it.</param>
/// <param name="MaxOutputBytes">Largest predicted output size of one request.</param>
public sealed record ModelServingOptions(
    int MaxConcurrency = 1,
    int MaxQueueLength = 64,
    int MaxBatchSize = 1,
    TimeSpan MaxQueueDelay = default,
    long MaxRows = ModelServingOptions.DefaultMaxRows,
    long? MaxSequenceLength = null,
    long MaxOutputBytes = ModelServingOptions.DefaultMaxOutputBytes)
{
    /// <summary>Default of <see cref="MaxRows"/>: the gateway's largest /v1/embeddings request (256 texts) in one job.</summary>
    public const long DefaultMaxRows = 256;

    /// <summary>Default of <see cref="MaxOutputBytes"/>: 256 MiniLM rows of 256 tokens (100 MB of hidden states) fit.</summary>
    public const long DefaultMaxOutputBytes = 128L * 1024 * 1024;

    public static ModelServingOptions Default { get; } = new();

    /// <exception cref="ArgumentException">A value out of range, naming it.</exception>
    public void Validate(string model)
    {
        if (MaxConcurrency is < 1 or > 1024) throw new ArgumentException($"model {model}: MaxConcurrency must be 1..1024, not {MaxConcurrency}");
        if (MaxQueueLength is < 0 or > 1_000_000) throw new ArgumentException($"model {model}: MaxQueueLength must be 0..1000000, not {MaxQueueLength}");
        if (MaxBatchSize is < 1 or > 65536) throw new ArgumentException($"model {model}: MaxBatchSize must be 1..65536, not {MaxBatchSize}");
        if (MaxQueueDelay < TimeSpan.Zero || MaxQueueDelay > TimeSpan.FromSeconds(10))
            throw new ArgumentException($"model {model}: MaxQueueDelay must be 0..10 s, not {MaxQueueDelay}");
        if (MaxRows < 1) throw new ArgumentException($"model {model}: MaxRows must be positive, not {MaxRows}");
        if (MaxSequenceLength < 1) throw new ArgumentException($"model {model}: MaxSequenceLength must be positive, not {MaxSequenceLength}");
        if (MaxOutputBytes < 1) throw new ArgumentException($"model {model}: MaxOutputBytes must be positive, not {MaxOutputBytes}");
    }
}
