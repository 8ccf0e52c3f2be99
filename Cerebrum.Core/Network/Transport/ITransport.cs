using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Multiaddr;

namespace Cerebrum.Core.Network.Transport;

/// <summary>
/// Moves bytes to and from peers before any libp2p handshake: TCP today; a circuit-relay transport (a stream through a
/// relay peer) or QUIC would be others. The host picks, for each address, the first transport that can handle it; the
/// connection upgrader then secures and multiplexes what the transport returns.
/// </summary>
public interface ITransport
{
    /// <summary>Whether <paramref name="address"/> (possibly ending in /p2p/&lt;id&gt;) is one this transport dials.</summary>
    bool CanDial(Multiaddress address);

    /// <summary>Whether this transport can listen on <paramref name="address"/>.</summary>
    bool CanListen(Multiaddress address);

    /// <summary>Opens a raw connection to <paramref name="address"/>.</summary>
    /// <param name="options">How to dial; a transport ignores what does not apply to it (e.g. the local port of a relayed one).</param>
    /// <exception cref="System.Net.Sockets.SocketException">Or <see cref="IOException"/>: the address cannot be reached.</exception>
    Task<TransportConnection> DialAsync(Multiaddress address, DialOptions options, CancellationToken ct);

    /// <summary>Starts listening on <paramref name="address"/> (port 0 = ephemeral).</summary>
    /// <exception cref="System.Net.Sockets.SocketException">The address cannot be bound.</exception>
    ITransportListener Listen(Multiaddress address);
}
