using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Inference;

/// <summary>The outputs of one request, with where its time went.</summary>
/// <param name="ModelHash">The hash of the model that ran, whichever way it was named in the request.</param>
/// <param name="QueueTime">From acceptance to the start of the run that served it.</param>
/// <param name="ComputeTime">Duration of that run (shared by all requests merged into it).</param>
/// <param name="BatchRequests">How many requests that run served (1 when not batched).</param>
public sealed record InferenceResult(string ModelHash, IReadOnlyList<Tensor> Outputs, TimeSpan QueueTime, TimeSpan ComputeTime, int BatchRequests);
