using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Network;

namespace Cerebrum.Core.Gateway;

/// <summary>
/// <see cref="IInferNodeClient"/> over a libp2p <see cref="Host"/>: reuses the live connection to the node (dialing its
/// known addresses when there is none) and runs the job with <see cref="InferProtocolClient"/>.
/// </summary>
public sealed class HostInferNodeClient(Host host) : IInferNodeClient
{
    public async Task<InferCallResult> InferAsync(PeerId node, string modelHash, IReadOnlyList<Tensor> inputs, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        Connection connection;
        try
        {
            connection = host.FindConnection(node) ?? await host.ConnectAsync(node, cancellationToken).ConfigureAwait(false);
        }
        catch (DialException e)
        {
            throw new InferCallException(InferCallFailure.Transport, $"cannot reach {node}: {e.Message}", inner: e);
        }
        var request = InferProtocolClient.CreateRequest(modelHash, inputs, deadline);
        return await InferProtocolClient.InferAsync(connection, request, cancellationToken).ConfigureAwait(false);
    }
}
