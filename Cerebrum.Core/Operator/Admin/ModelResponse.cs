namespace Cerebrum.Core.Operator.Admin;

/// <summary>One served model, as <c>GET /models</c> lists it.</summary>
/// <param name="Task">"text-embedding" for sentence encoders, "" for plain tensor models.</param>
/// <param name="QueueDepth">Requests waiting to run.</param>
/// <param name="Running">Runs in progress.</param>
public sealed record ModelResponse(
    string Hash,
    string Name,
    long SizeBytes,
    long Opset,
    string Task,
    IReadOnlyList<TensorResponse> Inputs,
    IReadOnlyList<TensorResponse> Outputs,
    int QueueDepth,
    int Running,
    int MaxConcurrency);
