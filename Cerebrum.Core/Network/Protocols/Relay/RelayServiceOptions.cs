using Cerebrum.Core.Network.Multiaddr;

namespace Cerebrum.Core.Network.Protocols.Relay;

/// <summary>What a host's <see cref="RelayService"/> does: relay for others (hop), and reserve on relays while private.</summary>
public sealed record RelayServiceOptions
{
    /// <summary>Serve <c>/libp2p/circuit/relay/0.2.0/hop</c>: hold reservations and carry circuits for others (seeds, validators).</summary>
    public bool EnableHop { get; init; }

    /// <summary>The hop server's limits.</summary>
    public RelayServerOptions Hop { get; init; } = new();

    /// <summary>Reservations to hold while reservations are wanted (we are private).</summary>
    public int WantedRelays { get; init; } = 2;

    /// <summary>Relays to reserve on first, each ending in <c>/p2p/&lt;id&gt;</c> (the network's seeds); any connected peer that serves hop comes after them.</summary>
    public IReadOnlyList<Multiaddress> StaticRelays { get; init; } = [];

    /// <summary>How often reservations are checked (expired ones replaced, due ones refreshed) when nothing else prompts it.</summary>
    public TimeSpan MaintenanceInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bound on one reservation request, the dial to the relay included.</summary>
    public TimeSpan ReserveTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>A relay that refused or failed is not asked again for this long.</summary>
    public TimeSpan FailedRelayBackoff { get; init; } = TimeSpan.FromMinutes(2);

    /// <exception cref="ArgumentException">A setting out of range.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Hop);
        Hop.Validate();
        if (WantedRelays < 1)
            throw new ArgumentException("WantedRelays must be at least 1");
        if (MaintenanceInterval <= TimeSpan.Zero || ReserveTimeout <= TimeSpan.Zero || FailedRelayBackoff < TimeSpan.Zero)
            throw new ArgumentException("relay client durations must be positive");
        foreach (var relay in StaticRelays)
        {
            if (relay.PeerId is null || Addressing.AddressScope.IsRelayed(relay))
                throw new ArgumentException($"static relay '{relay}' must be a direct address ending in /p2p/<peer-id>");
        }
    }
}
