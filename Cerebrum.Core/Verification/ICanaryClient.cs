using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Verification;

/// <summary>
/// How a validator sends a canary: an ordinary, paid job on <c>/cerebrum/infer/1.0.0</c> from a throwaway identity (its own
/// libp2p key, its own account and payment channel), so that a node cannot tell it from a client's. Implemented above this
/// layer, with the market's payer side (the daemon's stranger client); the verifier only chooses what to send and judges the answer.
/// </summary>
public interface ICanaryClient
{
    /// <summary>Runs one job on <paramref name="node"/> as a stranger and returns its verified, node-signed answer.</summary>
    /// <exception cref="InferCallException">The node refused or failed the job, could not be reached, or the job could not be paid.</exception>
    Task<InferCallResult> RunAsync(PeerId node, string modelHash, IReadOnlyList<Tensor> inputs, DateTimeOffset deadline, CancellationToken ct);
}
