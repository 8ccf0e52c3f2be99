using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Inference.Protocol;

/// <summary>A node's verified answer to one inference job, with what its receipt binds (null only for answers this client did not verify, e.g. scripted ones in tests).</summary>
public sealed record InferCallResult(string JobId, string ModelHash, IReadOnlyList<Tensor> Outputs, TimeSpan QueueTime, TimeSpan ComputeTime, InferReceiptBinding? Receipt = null);
