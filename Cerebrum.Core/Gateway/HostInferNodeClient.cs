using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Dialing;

namespace Cerebrum.Core.Gateway;

/// <summary>
/// <see cref="IInferNodeClient"/> over a libp2p <see cref="PeerHost"/>: reuses the live connection to the node (dialing its
/// known addresses when there is none) and runs the job with <see cref="InferProtocolClient"/> on a pooled stream, so a
/// busy gateway does not negotiate a new stream per job. A closed connection's idle streams are dropped. Jobs routed
/// to the host's own peer ID (a daemon that is node and gateway at once) run on the local node's handler.
/// </summary>
public sealed class HostInferNodeClient : IInferNodeClient, IDisposable
{
    private readonly PeerHost _host;
    private readonly Func<InferProtocolHandler?>? _localNode;
    private readonly InferStreamPool _streams = new();

    /// <param name="localNode">This process's node, when it runs one: null while it does not serve (not started, or stopping).</param>
    public HostInferNodeClient(PeerHost host, Func<InferProtocolHandler?>? localNode = null)
    {
        _host = host;
        _localNode = localNode;
        _host.ConnectionClosed += OnConnectionClosed;
    }

    public async Task<InferCallResult> InferAsync(PeerId node, string modelHash, IReadOnlyList<Tensor> inputs, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        if (node == _host.PeerId)
        {
            var handler = _localNode?.Invoke()
                ?? throw new InferCallException(InferCallFailure.Transport, $"{node} is this daemon, and its node mode is not serving jobs");
            return await InferProtocolClient.InferLocallyAsync(handler, _host.Identity.PublicKey, modelHash, inputs, deadline, cancellationToken).ConfigureAwait(false);
        }
        Connection connection;
        try
        {
            connection = _host.FindConnection(node) ?? await _host.ConnectAsync(node, cancellationToken).ConfigureAwait(false);
        }
        catch (DialException e)
        {
            throw new InferCallException(InferCallFailure.Transport, $"cannot reach {node}: {e.Message}", inner: e);
        }
        return await InferProtocolClient.InferAsync(connection, modelHash, inputs, deadline, cancellationToken, _streams).ConfigureAwait(false);
    }

    public void Dispose() => _host.ConnectionClosed -= OnConnectionClosed;

    private void OnConnectionClosed(object? sender, ConnectionEventArgs e) => _streams.Drop(e.Connection);
}
