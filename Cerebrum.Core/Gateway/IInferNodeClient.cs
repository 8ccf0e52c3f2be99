using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Gateway;

/// <summary>Runs one inference job on one node; the dispatcher's only way out to the network, so that routing is tested without sockets.</summary>
public interface IInferNodeClient
{
    /// <exception cref="InferCallException">The node refused the job, could not be reached, or answered something that does not verify.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<InferCallResult> InferAsync(PeerId node, string modelHash, IReadOnlyList<Tensor> inputs, DateTimeOffset deadline, CancellationToken cancellationToken);
}
