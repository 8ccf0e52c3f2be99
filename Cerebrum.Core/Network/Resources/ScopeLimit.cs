namespace Cerebrum.Core.Network.Resources;

/// <summary>One scope's limits, every one concrete (<see cref="int.MaxValue"/> and <see cref="long.MaxValue"/>: none).</summary>
public readonly record struct ScopeLimit(
    int ConnectionsInbound, int ConnectionsOutbound, int Connections,
    int StreamsInbound, int StreamsOutbound, int Streams,
    long Memory)
{
    public static ScopeLimit Unlimited { get; } = new(int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue, long.MaxValue);

    /// <summary>From resolved limits; a field still null means no limit.</summary>
    public static ScopeLimit From(ResourceLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return new(
            limits.ConnectionsInbound ?? int.MaxValue, limits.ConnectionsOutbound ?? int.MaxValue, limits.Connections ?? int.MaxValue,
            limits.StreamsInbound ?? int.MaxValue, limits.StreamsOutbound ?? int.MaxValue, limits.Streams ?? int.MaxValue,
            limits.Memory ?? long.MaxValue);
    }
}
