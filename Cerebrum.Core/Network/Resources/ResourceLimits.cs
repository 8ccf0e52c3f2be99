namespace Cerebrum.Core.Network.Resources;

/// <summary>
/// The limits of one resource scope, as configured: connections and streams (inbound, outbound, in total) and memory
/// in bytes. A null field takes the default (scaled from the machine's memory, see <see cref="ResourceManagerOptions"/>).
/// </summary>
public sealed record ResourceLimits
{
    public int? ConnectionsInbound { get; init; }

    public int? ConnectionsOutbound { get; init; }

    /// <summary>Connections in both directions together.</summary>
    public int? Connections { get; init; }

    public int? StreamsInbound { get; init; }

    public int? StreamsOutbound { get; init; }

    /// <summary>Streams in both directions together.</summary>
    public int? Streams { get; init; }

    /// <summary>Bytes reserved (Yamux receive windows, protocol buffers) at once.</summary>
    public long? Memory { get; init; }

    /// <summary>These limits where set, <paramref name="defaults"/> elsewhere.</summary>
    public ResourceLimits Over(ResourceLimits defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        return new()
        {
            ConnectionsInbound = ConnectionsInbound ?? defaults.ConnectionsInbound,
            ConnectionsOutbound = ConnectionsOutbound ?? defaults.ConnectionsOutbound,
            Connections = Connections ?? defaults.Connections,
            StreamsInbound = StreamsInbound ?? defaults.StreamsInbound,
            StreamsOutbound = StreamsOutbound ?? defaults.StreamsOutbound,
            Streams = Streams ?? defaults.Streams,
            Memory = Memory ?? defaults.Memory,
        };
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first negative limit of <paramref name="scope"/>.</summary>
    public void Validate(string scope)
    {
        Require(ConnectionsInbound, nameof(ConnectionsInbound));
        Require(ConnectionsOutbound, nameof(ConnectionsOutbound));
        Require(Connections, nameof(Connections));
        Require(StreamsInbound, nameof(StreamsInbound));
        Require(StreamsOutbound, nameof(StreamsOutbound));
        Require(Streams, nameof(Streams));
        if (Memory < 0)
            throw new ArgumentException($"{scope}:{nameof(Memory)}: must not be negative, not {Memory}");

        void Require(int? value, string name)
        {
            if (value < 0)
                throw new ArgumentException($"{scope}:{name}: must not be negative, not {value}");
        }
    }
}
