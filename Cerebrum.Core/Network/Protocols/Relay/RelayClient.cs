using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Network.Protocols.Relay;

/// <summary>
/// The relay client's state, without I/O: the reservations we hold (one per relay), when each must be refreshed,
/// how many more relays we want, the circuit addresses to announce, and whether to accept an inbound stop CONNECT
/// (only from a relay we hold a reservation with, so nobody else can push relayed connections at us). Thread-safe.
/// </summary>
public sealed class RelayClient
{
    private readonly Lock _gate = new();
    private readonly PeerId _self;
    private readonly int _wantedRelays;
    private readonly Dictionary<PeerId, RelayReservation> _reservations = [];

    /// <param name="self">Our peer ID (vouchers must name it).</param>
    /// <param name="wantedRelays">How many relays to hold reservations on while private.</param>
    public RelayClient(PeerId self, int wantedRelays = 2)
    {
        ArgumentNullException.ThrowIfNull(self);
        ArgumentOutOfRangeException.ThrowIfLessThan(wantedRelays, 1);
        _self = self;
        _wantedRelays = wantedRelays;
    }

    public event Action? ReservationsChanged;

    /// <summary>Reservations held, live or not yet expired by the last <see cref="Expire"/>.</summary>
    public IReadOnlyList<RelayReservation> Reservations
    {
        get
        {
            lock (_gate)
                return [.. _reservations.Values];
        }
    }

    /// <summary>Relays we hold reservations on that have not expired at <paramref name="now"/>.</summary>
    public IReadOnlyList<PeerId> Relays(DateTimeOffset now)
    {
        lock (_gate)
            return [.. _reservations.Values.Where(r => r.Expires > now).Select(r => r.Relay)];
    }

    /// <summary>Our circuit addresses through every live reservation.</summary>
    public IReadOnlyList<Multiaddress> CircuitAddresses(DateTimeOffset now)
    {
        lock (_gate)
            return [.. _reservations.Values.Where(r => r.Expires > now).SelectMany(r => r.CircuitAddresses)];
    }

    /// <summary>How many more relays to reserve on (0 when we hold enough).</summary>
    public int MissingRelays(DateTimeOffset now)
    {
        lock (_gate)
            return Math.Max(0, _wantedRelays - _reservations.Values.Count(r => r.Expires > now));
    }

    /// <summary>
    /// Checks a relay's answer to our RESERVE and keeps the reservation (replacing one held on that relay).
    /// </summary>
    /// <exception cref="RelayRefusedException">The relay refused.</exception>
    /// <exception cref="FormatException">The answer was malformed or its voucher wrong.</exception>
    public RelayReservation Accept(PeerId relay, ReadOnlySpan<byte> response, DateTimeOffset now)
    {
        var reservation = RelayReservation.FromResponse(RelayMessages.ParseHopResponse(response), relay, _self, now);
        lock (_gate)
            _reservations[relay] = reservation;
        ReservationsChanged?.Invoke();
        return reservation;
    }

    /// <summary>
    /// Relays whose reservation should be refreshed now: less than a quarter of <paramref name="grantedFor"/> (how long
    /// relays typically grant, at least a minute) left before it expires.
    /// </summary>
    public IReadOnlyList<PeerId> RefreshDue(DateTimeOffset now, TimeSpan grantedFor)
    {
        var margin = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMinutes(1).Ticks, grantedFor.Ticks / 4));
        lock (_gate)
            return [.. _reservations.Values.Where(r => r.Expires - now <= margin).Select(r => r.Relay)];
    }

    /// <summary>The relay is gone (connection closed, refresh refused): its reservation no longer serves us.</summary>
    public void Remove(PeerId relay)
    {
        bool removed;
        lock (_gate)
            removed = _reservations.Remove(relay);
        if (removed)
            ReservationsChanged?.Invoke();
    }

    /// <summary>Drops expired reservations; returns how many.</summary>
    public int Expire(DateTimeOffset now)
    {
        int count;
        lock (_gate)
        {
            var expired = _reservations.Values.Where(r => r.Expires <= now).Select(r => r.Relay).ToList();
            foreach (var relay in expired)
                _reservations.Remove(relay);
            count = expired.Count;
        }
        if (count > 0)
            ReservationsChanged?.Invoke();
        return count;
    }

    /// <summary>
    /// Decides on a stop CONNECT that <paramref name="relay"/> sent us: accepted (the stream becomes the relayed
    /// connection from <see cref="StopDecision.Request"/>'s source) only from a relay we hold a live reservation with.
    /// </summary>
    public StopDecision HandleStop(PeerId relay, ReadOnlySpan<byte> request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(relay);
        StopRequest parsed;
        try
        {
            parsed = RelayMessages.ParseStopRequest(request);
        }
        catch (FormatException e)
        {
            return new StopDecision(null, RelayStatus.MalformedMessage, e.Message, RelayMessages.EncodeStopStatus(RelayStatus.MalformedMessage));
        }
        bool reserved;
        lock (_gate)
            reserved = _reservations.TryGetValue(relay, out var held) && held.Expires > now;
        if (!reserved)
            return new StopDecision(null, RelayStatus.PermissionDenied, $"no reservation with {relay}", RelayMessages.EncodeStopStatus(RelayStatus.PermissionDenied));
        if (parsed.Source == _self || parsed.Source == relay)
            return new StopDecision(null, RelayStatus.PermissionDenied, "a relayed connection from ourselves or the relay itself", RelayMessages.EncodeStopStatus(RelayStatus.PermissionDenied));
        return new StopDecision(parsed, RelayStatus.Ok, "accepted", RelayMessages.EncodeStopStatus(RelayStatus.Ok));
    }
}
