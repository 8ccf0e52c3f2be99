using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Inference.Scheduling;

/// <summary>A validated request waiting in a model's queue. Whoever completes <see cref="Completion"/> first wins: the run, the deadline or the caller's cancellation.</summary>
internal sealed class PendingRequest(IReadOnlyList<Tensor> inputs, DateTimeOffset deadline, long enqueuedTimestamp, string? batchKey, long rows)
{
    public IReadOnlyList<Tensor> Inputs { get; } = inputs;

    public DateTimeOffset Deadline { get; } = deadline;

    public long EnqueuedTimestamp { get; } = enqueuedTimestamp;

    public string? BatchKey { get; } = batchKey;

    public long Rows { get; } = rows;

    public TaskCompletionSource<InferenceResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsSettled => Completion.Task.IsCompleted;
}
