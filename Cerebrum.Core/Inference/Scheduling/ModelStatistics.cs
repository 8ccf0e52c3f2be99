namespace Cerebrum.Core.Inference.Scheduling;

/// <summary>Counters of one served model since start-up.</summary>
/// <param name="Runs">ONNX Runtime runs; below <paramref name="Completed"/> when dynamic batching merged requests.</param>
public sealed record ModelStatistics(
    long Accepted,
    long Completed,
    long Runs,
    long RejectedBusy,
    long DeadlineExceeded,
    long Failed,
    int QueueDepth,
    int Running,
    int MaxConcurrency);
