using System.Collections.Concurrent;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Streams;

namespace Cerebrum.Core.Inference.Protocol;

/// <summary>
/// Idle <c>/cerebrum/infer/1.0.0</c> streams kept open per connection, so that a caller sending many jobs to one node
/// reuses a negotiated stream (the protocol carries several requests on one stream in turn) instead of opening and
/// negotiating a new one per job. A stream goes back only after a complete exchange; anything else disposes it.
/// Thread-safe.
/// </summary>
public sealed class InferStreamPool(int maxIdlePerConnection = 64)
{
    private readonly ConcurrentDictionary<Connection, ConcurrentQueue<ProtocolStream>> _idle = new();

    /// <summary>An idle stream of <paramref name="connection"/>, or null when none is left.</summary>
    public ProtocolStream? TryRent(Connection connection)
    {
        if (connection.IsClosed || !_idle.TryGetValue(connection, out var queue)) return null;
        return queue.TryDequeue(out var stream) ? stream : null;
    }

    /// <summary>Keeps <paramref name="stream"/> for the next job on its connection, or disposes it when enough are idle.</summary>
    public async ValueTask ReturnAsync(ProtocolStream stream)
    {
        var connection = stream.Connection;
        if (!connection.IsClosed)
        {
            var queue = _idle.GetOrAdd(connection, _ => new ConcurrentQueue<ProtocolStream>());
            if (queue.Count < maxIdlePerConnection)
            {
                queue.Enqueue(stream);
                return;
            }
        }
        await stream.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Forgets (and resets) the idle streams of a connection that closed.</summary>
    public void Drop(Connection connection)
    {
        if (!_idle.TryRemove(connection, out var queue)) return;
        while (queue.TryDequeue(out var stream))
            stream.Reset();
    }

    public int IdleCount => _idle.Values.Sum(q => q.Count);
}
