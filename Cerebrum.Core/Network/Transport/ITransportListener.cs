using Cerebrum.Core.Network.Multiaddr;

namespace Cerebrum.Core.Network.Transport;

/// <summary>A transport's listener, accepting raw connections until disposed.</summary>
public interface ITransportListener : IDisposable
{
    /// <summary>The bound address (the actual port), without /p2p.</summary>
    Multiaddress Address { get; }

    /// <summary>The next inbound connection; null once the listener has been closed.</summary>
    /// <exception cref="IOException">One accept failed (e.g. too many open files); the listener still works.</exception>
    ValueTask<TransportConnection?> AcceptAsync(CancellationToken ct);
}
