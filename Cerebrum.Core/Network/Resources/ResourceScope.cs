namespace Cerebrum.Core.Network.Resources;

/// <summary>
/// One node of the resource manager's accounting: what is held in a scope (the system, a peer, an IP, a protocol, …)
/// against its limit. Not thread-safe: the <see cref="ResourceManager"/> changes every node under its one lock.
/// </summary>
internal sealed class ResourceScope(ResourceScopeKind kind, string name, ScopeLimit limit, object? key = null)
{
    public ResourceScopeKind Kind { get; } = kind;

    /// <summary>For logs: the kind and what it is of (a peer ID, an IP network, a protocol).</summary>
    public string Name { get; } = name;

    /// <summary>Its key in the manager's table of keyed scopes; null for the system, transient and leaf scopes.</summary>
    public object? Key { get; } = key;

    public ScopeLimit Limit { get; } = limit;

    public int ConnectionsInbound { get; private set; }

    public int ConnectionsOutbound { get; private set; }

    public int StreamsInbound { get; private set; }

    public int StreamsOutbound { get; private set; }

    public long Memory { get; private set; }

    /// <summary>How many connection, stream and service scopes count against this one (keyed scopes go at 0).</summary>
    public int References { get; set; }

    /// <summary>The resource a change would push over this scope's limit; null when it fits.</summary>
    /// <param name="priority">For memory: the share of the limit a reservation of this priority may fill.</param>
    public string? Exceeds(ResourceDelta delta, ReservationPriority priority)
    {
        if (delta.ConnectionsInbound > 0 && (ConnectionsInbound + delta.ConnectionsInbound > Limit.ConnectionsInbound || Total(delta) > Limit.Connections))
            return "connections";
        if (delta.ConnectionsOutbound > 0 && (ConnectionsOutbound + delta.ConnectionsOutbound > Limit.ConnectionsOutbound || Total(delta) > Limit.Connections))
            return "connections";
        if (delta.StreamsInbound > 0 && (StreamsInbound + delta.StreamsInbound > Limit.StreamsInbound || Streams(delta) > Limit.Streams))
            return "streams";
        if (delta.StreamsOutbound > 0 && (StreamsOutbound + delta.StreamsOutbound > Limit.StreamsOutbound || Streams(delta) > Limit.Streams))
            return "streams";
        if (delta.Memory > 0 && delta.Memory > MemoryThreshold(priority) - Memory)
            return "memory";
        return null;
    }

    public void Apply(ResourceDelta delta)
    {
        ConnectionsInbound += delta.ConnectionsInbound;
        ConnectionsOutbound += delta.ConnectionsOutbound;
        StreamsInbound += delta.StreamsInbound;
        StreamsOutbound += delta.StreamsOutbound;
        Memory += delta.Memory;
    }

    public bool IsEmpty => ConnectionsInbound == 0 && ConnectionsOutbound == 0 && StreamsInbound == 0 && StreamsOutbound == 0 && Memory == 0;

    public override string ToString() =>
        $"{Name}: connections {ConnectionsInbound} in / {ConnectionsOutbound} out, streams {StreamsInbound} in / {StreamsOutbound} out, memory {Memory} B";

    private int Total(ResourceDelta delta) => ConnectionsInbound + ConnectionsOutbound + delta.ConnectionsInbound + delta.ConnectionsOutbound;

    private int Streams(ResourceDelta delta) => StreamsInbound + StreamsOutbound + delta.StreamsInbound + delta.StreamsOutbound;

    /// <summary>limit × (priority + 1) / 256: a reservation of lower priority leaves the rest to higher ones.</summary>
    private long MemoryThreshold(ReservationPriority priority) =>
        Limit.Memory == long.MaxValue ? long.MaxValue : (long)((Int128)Limit.Memory * ((int)priority + 1) / 256);
}
