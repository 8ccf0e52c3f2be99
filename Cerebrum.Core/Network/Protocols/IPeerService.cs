using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Streams;

namespace Cerebrum.Core.Network.Protocols;

/// <summary>
/// A protocol service running on a <see cref="PeerHost"/> (identify, ping and perf today; Kademlia, AutoNAT, relay and
/// DCUtR alike): it serves its protocols and owns its background work, per connection or for the host's lifetime, and
/// stops it when disposed. The host registers its handlers when it is added (<see cref="PeerHost.AddService"/>), tells
/// it of the host's start and of every connection, and disposes it at shutdown, after closing the connections.
/// </summary>
/// <remarks>
/// The notifications come on pool threads and must return quickly: start work, do not do it there. A service added
/// to a running host may hear twice of a connection that opens while it is being added.
/// </remarks>
public interface IPeerService : IAsyncDisposable
{
    /// <summary>The inbound protocols served and their handlers.</summary>
    IReadOnlyDictionary<string, ProtocolHandler> Handlers { get; }

    /// <summary>The host started (or the service was added to a started host): start work that lasts the host's lifetime.</summary>
    void OnStarted()
    {
    }

    /// <summary>A connection was upgraded and added (or was open when the service was added): start work for its lifetime.</summary>
    void OnConnectionOpened(Connection connection)
    {
    }

    /// <summary>A connection has ended and been removed.</summary>
    void OnConnectionClosed(Connection connection)
    {
    }
}
