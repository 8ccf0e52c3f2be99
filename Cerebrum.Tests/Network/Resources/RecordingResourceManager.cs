using System.Collections.Concurrent;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Resources;

namespace Cerebrum.Tests.Network.Resources;

/// <summary>
/// A resource manager that records what the host asks it and refuses at the stages a test chooses; counts the scopes
/// still open, so a test can see that everything granted is released.
/// </summary>
internal sealed class RecordingResourceManager : IResourceManager
{
    private int _openConnections;
    private int _openStreams;
    private int _doubleDisposals;

    public Func<ConnectionDirection, Multiaddress, bool> AllowConnection { get; set; } = (_, _) => true;

    public Func<PeerId, bool> AllowPeer { get; set; } = _ => true;

    public Func<ConnectionDirection, bool> AllowStream { get; set; } = _ => true;

    public Func<string, bool> AllowProtocol { get; set; } = _ => true;

    public ConcurrentQueue<string> Events { get; } = new();

    public int OpenConnections => Volatile.Read(ref _openConnections);

    public int OpenStreams => Volatile.Read(ref _openStreams);

    public int DoubleDisposals => Volatile.Read(ref _doubleDisposals);

    public IConnectionScope? OpenConnection(ConnectionDirection direction, Multiaddress remote)
    {
        Events.Enqueue($"connection {direction} {remote}");
        if (!AllowConnection(direction, remote)) return null;
        Interlocked.Increment(ref _openConnections);
        return new ConnectionScope(this);
    }

    public IServiceScope OpenServiceScope(string service, PeerId? peer)
    {
        Events.Enqueue($"service {service}");
        return UnlimitedResourceManager.Instance;
    }

    private sealed class ConnectionScope(RecordingResourceManager owner) : IConnectionScope
    {
        private int _disposed;

        public bool SetPeer(PeerId peer)
        {
            owner.Events.Enqueue($"peer {peer}");
            return owner.AllowPeer(peer);
        }

        public IStreamScope? OpenStream(ConnectionDirection direction)
        {
            owner.Events.Enqueue($"stream {direction}");
            if (!owner.AllowStream(direction)) return null;
            Interlocked.Increment(ref owner._openStreams);
            return new StreamScope(owner);
        }

        public bool ReserveMemory(long bytes, ReservationPriority priority) => true;

        public void ReleaseMemory(long bytes)
        {
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
                Interlocked.Increment(ref owner._doubleDisposals);
            else
                Interlocked.Decrement(ref owner._openConnections);
        }
    }

    private sealed class StreamScope(RecordingResourceManager owner) : IStreamScope
    {
        private int _disposed;

        public bool SetProtocol(string protocol)
        {
            owner.Events.Enqueue($"protocol {protocol}");
            return owner.AllowProtocol(protocol);
        }

        public bool SetService(string service) => true;

        public bool ReserveMemory(long bytes, ReservationPriority priority) => true;

        public void ReleaseMemory(long bytes)
        {
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
                Interlocked.Increment(ref owner._doubleDisposals);
            else
                Interlocked.Decrement(ref owner._openStreams);
        }
    }
}
