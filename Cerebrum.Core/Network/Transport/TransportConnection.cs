using Cerebrum.Core.Network.Multiaddr;

namespace Cerebrum.Core.Network.Transport;

/// <summary>A transport's raw connection, not yet secured: its byte stream and both ends' addresses.</summary>
/// <param name="underlying">What else the stream runs on and must be closed with it (a TCP socket); null when nothing.</param>
public sealed class TransportConnection(Stream stream, Multiaddress localAddress, Multiaddress remoteAddress, IDisposable? underlying = null)
    : IAsyncDisposable
{
    private int _disposed;

    public Stream Stream { get; } = stream;

    /// <summary>Our end's address (as bound).</summary>
    public Multiaddress LocalAddress { get; } = localAddress;

    /// <summary>The remote's address as seen from here (without /p2p).</summary>
    public Multiaddress RemoteAddress { get; } = remoteAddress;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        try
        {
            await Stream.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            underlying?.Dispose();
        }
    }
}
