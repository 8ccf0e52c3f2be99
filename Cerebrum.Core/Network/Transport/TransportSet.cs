using Cerebrum.Core.Network.Multiaddr;

namespace Cerebrum.Core.Network.Transport;

/// <summary>The host's transports in the order they were added; the first that can handle an address handles it.</summary>
internal sealed class TransportSet
{
    private ITransport[] _transports;

    public TransportSet(params ITransport[] transports) => _transports = transports;

    public void Add(ITransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ITransport[] current, updated;
        do
        {
            current = Volatile.Read(ref _transports);
            updated = [.. current, transport];
        }
        while (Interlocked.CompareExchange(ref _transports, updated, current) != current);
    }

    public ITransport? ForDialing(Multiaddress address) => Array.Find(Volatile.Read(ref _transports), t => t.CanDial(address));

    public ITransport? ForListening(Multiaddress address) => Array.Find(Volatile.Read(ref _transports), t => t.CanListen(address));
}
