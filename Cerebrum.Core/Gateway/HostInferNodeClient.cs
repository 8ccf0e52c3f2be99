using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Network;

namespace Cerebrum.Core.Gateway;

/// <summary>
/// <see cref="IInferNodeClient"/> over a libp2p <see cref="Host"/>: reuses the live connection to the node (dialing its
/// known addresses when there is none) and runs the job with <see cref="InferProtocolClient"/> on a pooled stream, so a
/// busy gateway does not negotiate a new stream per job. A closed connection's idle streams are dropped.
/// </summary>
public sealed class HostInferNodeClient : IInferNodeClient, IDisposable
{
    private readonly Host _host;
    private readonly InferStreamPool _streams = new();

    public HostInferNodeClient(Host host)
    {
        _host = host;
        _host.ConnectionClosed += OnConnectionClosed;
    }

    public async Task<InferCallResult> InferAsync(PeerId node, string modelHash, IReadOnlyList<Tensor> inputs, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        Connection connection;
        try
        {
            connection = _host.FindConnection(node) ?? await _host.ConnectAsync(node, cancellationToken).ConfigureAwait(false);
        }
        catch (DialException e)
        {
            throw new InferCallException(InferCallFailure.Transport, $"cannot reach {node}: {e.Message}", inner: e);
        }
        var request = InferProtocolClient.CreateRequest(modelHash, inputs, deadline);
        return await InferProtocolClient.InferAsync(connection, request, cancellationToken, pool: _streams).ConfigureAwait(false);
    }

    public void Dispose() => _host.ConnectionClosed -= OnConnectionClosed;

    private void OnConnectionClosed(object? sender, ConnectionEventArgs e) => _streams.Drop(e.Connection);
}
