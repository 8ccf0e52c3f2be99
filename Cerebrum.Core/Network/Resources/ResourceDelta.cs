namespace Cerebrum.Core.Network.Resources;

/// <summary>A change in what a scope holds: connections and streams by direction, memory in bytes.</summary>
internal readonly record struct ResourceDelta(int ConnectionsInbound, int ConnectionsOutbound, int StreamsInbound, int StreamsOutbound, long Memory)
{
    public static ResourceDelta Connection(bool inbound) => inbound ? new(1, 0, 0, 0, 0) : new(0, 1, 0, 0, 0);

    public static ResourceDelta Stream(bool inbound) => inbound ? new(0, 0, 1, 0, 0) : new(0, 0, 0, 1, 0);

    public static ResourceDelta OfMemory(long bytes) => new(0, 0, 0, 0, bytes);

    public ResourceDelta Plus(ResourceDelta other) => new(
        ConnectionsInbound + other.ConnectionsInbound, ConnectionsOutbound + other.ConnectionsOutbound,
        StreamsInbound + other.StreamsInbound, StreamsOutbound + other.StreamsOutbound, checked(Memory + other.Memory));

    public ResourceDelta Negated() => new(-ConnectionsInbound, -ConnectionsOutbound, -StreamsInbound, -StreamsOutbound, -Memory);
}
