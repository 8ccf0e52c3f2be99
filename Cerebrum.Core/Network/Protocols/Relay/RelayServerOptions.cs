namespace Cerebrum.Core.Network.Protocols.Relay;

/// <summary>
/// What a relay (hop server) grants and how much of it. The circuit limits are larger than go-libp2p's defaults (2 min,
/// 128 KiB), which only suffice for hole-punch coordination: Cerebrum's relays (seeds, validators) also carry jobs for
/// nodes behind symmetric NATs that cannot punch through.
/// </summary>
public sealed record RelayServerOptions
{
    /// <summary>How long a reservation lasts unless refreshed.</summary>
    public TimeSpan ReservationDuration { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Reservations held at once.</summary>
    public int MaxReservations { get; init; } = 128;

    /// <summary>Reservations held at once by peers seen at one IP.</summary>
    public int MaxReservationsPerIp { get; init; } = 8;

    /// <summary>RESERVE requests one peer may make per <see cref="RateWindow"/> (refreshes included).</summary>
    public int MaxReserveRequestsPerPeerPerWindow { get; init; } = 4;

    /// <summary>RESERVE and CONNECT requests served per window from one IP.</summary>
    public int MaxRequestsPerIpPerWindow { get; init; } = 60;

    public TimeSpan RateWindow { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Relayed connections at once, in total.</summary>
    public int MaxCircuits { get; init; } = 256;

    /// <summary>Relayed connections at once to or from one peer.</summary>
    public int MaxCircuitsPerPeer { get; init; } = 16;

    /// <summary>How long one relayed connection may last; null for no limit.</summary>
    public TimeSpan? CircuitDuration { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Bytes one relayed connection may carry in each direction; null for no limit.</summary>
    public ulong? CircuitDataBytes { get; init; } = 256UL * 1024 * 1024;

    /// <summary>How long the relay waits for the target to answer a stop CONNECT.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <exception cref="ArgumentException">A limit below 1 or a duration that is not positive.</exception>
    public void Validate()
    {
        if (MaxReservations < 1 || MaxReservationsPerIp < 1 || MaxReserveRequestsPerPeerPerWindow < 1 || MaxRequestsPerIpPerWindow < 1
            || MaxCircuits < 1 || MaxCircuitsPerPeer < 1)
            throw new ArgumentException("relay limits must be at least 1");
        if (ReservationDuration < TimeSpan.FromSeconds(1) || RateWindow <= TimeSpan.Zero || StopTimeout <= TimeSpan.Zero
            || CircuitDuration is { } d && d < TimeSpan.FromSeconds(1) || CircuitDataBytes is 0)
            throw new ArgumentException("relay durations must be at least a second and the data limit positive (null for none)");
    }

    /// <summary>The limit every circuit of this relay gets.</summary>
    public RelayLimit CircuitLimit => CircuitDuration is null && CircuitDataBytes is null ? RelayLimit.None : new RelayLimit(CircuitDuration, CircuitDataBytes);
}
