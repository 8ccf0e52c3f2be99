using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Inference.Protocol;

/// <summary>A node's verified answer to one inference job.</summary>
public sealed record InferCallResult(string JobId, string ModelHash, IReadOnlyList<Tensor> Outputs, TimeSpan QueueTime, TimeSpan ComputeTime);
