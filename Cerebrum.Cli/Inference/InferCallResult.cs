using Cerebrum.Core.Inference;

namespace Cerebrum.Cli.Inference;

/// <summary>A node's verified answer to one inference job.</summary>
public sealed record InferCallResult(string JobId, string ModelHash, IReadOnlyList<Tensor> Outputs, TimeSpan QueueTime, TimeSpan ComputeTime);
