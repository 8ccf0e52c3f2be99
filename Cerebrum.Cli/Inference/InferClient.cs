using Cerebrum.Cli.Network;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Cli.Inference;

/// <summary>
/// Sends one job over <c>/cerebrum/infer/1.0.0</c> with <see cref="InferProtocolClient"/>, which checks the node's
/// signed receipt. Every failure is one <see cref="CommandFailedException"/> line; a node's typed error reads
/// "&lt;error_type&gt;: &lt;message&gt;".
/// </summary>
public static class InferClient
{
    public static async Task<InferCallResult> InferAsync(DirectConnection peer, string model, IReadOnlyList<Tensor> inputs, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            return await InferProtocolClient.InferAsync(peer.Connection, model, inputs, DateTimeOffset.UtcNow.Add(timeout), limit.Token);
        }
        catch (InferCallException e) when (e.Failure == InferCallFailure.ProtocolNotSupported)
        {
            throw new CommandFailedException($"{e.Message} (is the peer a cerebrumd in node mode?)");
        }
        catch (InferCallException e)
        {
            throw new CommandFailedException(e.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CommandFailedException($"timeout: no answer from {peer.Connection.RemotePeer} within {timeout.TotalSeconds:0.#} s");
        }
    }
}
