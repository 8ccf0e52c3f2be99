namespace Cerebrum.Core.Network.Protocols.Relay;

/// <summary>
/// What a relay lets one relayed connection use: how long it may last and how many bytes it may carry in each
/// direction; null for no limit on that axis.
/// </summary>
public sealed record RelayLimit(TimeSpan? Duration, ulong? DataBytes)
{
    /// <summary>No limit at all (the relay sends no Limit message).</summary>
    public static RelayLimit None { get; } = new(null, null);

    public bool IsNone => Duration is null && DataBytes is null;
}
