using System.Net;
using System.Net.Sockets;
using Cerebrum.Core.Network.Multiaddr;

namespace Cerebrum.Core.Network.Transport;

/// <summary>A bound TCP listening socket.</summary>
/// <param name="closed">Called once when the listener is disposed.</param>
internal sealed class TcpTransportListener(Socket socket, Action closed) : ITransportListener
{
    private int _closed;

    public Multiaddress Address { get; } = Multiaddress.FromEndPoint((IPEndPoint)socket.LocalEndPoint!);

    public async ValueTask<TransportConnection?> AcceptAsync(CancellationToken ct)
    {
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await socket.AcceptAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || ct.IsCancellationRequested
                                      || Volatile.Read(ref _closed) != 0 || e is SocketException { SocketErrorCode: SocketError.OperationAborted })
            {
                return null; // closed: shutting down
            }
            catch (SocketException e)
            {
                throw new IOException(e.Message, e);
            }
            try
            {
                TcpTransport.Configure(accepted);
                return TcpTransport.Wrap(accepted);
            }
            catch (SocketException)
            {
                // The peer went away between the accept and now: nothing to serve.
                accepted.Dispose();
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        socket.Dispose();
        closed();
    }
}
