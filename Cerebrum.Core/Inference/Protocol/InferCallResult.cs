using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Inference.Protocol;

/// <summary>A node's verified answer to one inference job.</summary>
/// <param name="Receipt">The node's signed receipt that was verified against the request and this answer (null only from test doubles).</param>
public sealed record InferCallResult(string JobId, string ModelHash, IReadOnlyList<Tensor> Outputs, TimeSpan QueueTime, TimeSpan ComputeTime,
    VerifiedReceipt? Receipt = null);
