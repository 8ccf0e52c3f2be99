using Cerebrum.Core.Network.Multiaddr;
using System.Net;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Addressing;

namespace Cerebrum.Core.Network.Protocols.Relay;

/// <summary>
/// The circuit relay v2 hop server's state, without I/O: reservations (one per peer, refreshed in place, capped in
/// total and per IP, rate limited per peer and per IP, dropped when the peer disconnects or they expire) and circuits
/// (capped in total and per peer, each with the relay's duration and data limit). Requests over relayed connections
/// are refused, as the spec advises. Reservation answers carry a voucher signed with the relay's key. Thread-safe.
/// </summary>
public sealed class RelayServer
{
    private readonly Lock _gate = new();
    private readonly PrivateKey _identity;
    private readonly RelayServerOptions _options;
    private readonly Func<IReadOnlyList<Multiaddress>> _addresses;
    private readonly Dictionary<PeerId, Held> _reservations = [];
    private readonly Dictionary<IPAddress, int> _reservationsPerIp = [];
    private readonly Dictionary<PeerId, int> _circuitsPerPeer = [];
    private readonly KeyedRateLimiter<PeerId> _reservePerPeer;
    private readonly KeyedRateLimiter<IPAddress> _requestsPerIp;
    private int _circuits;

    /// <param name="identity">The relay's key: vouchers are signed with it.</param>
    /// <param name="options">Limits.</param>
    /// <param name="addresses">The relay's own advertised addresses, read at each reservation (relayed ones are left out).</param>
    public RelayServer(PrivateKey identity, RelayServerOptions options, Func<IReadOnlyList<Multiaddress>> addresses)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(addresses);
        options.Validate();
        _identity = identity;
        _options = options;
        _addresses = addresses;
        _reservePerPeer = new KeyedRateLimiter<PeerId>(options.MaxReserveRequestsPerPeerPerWindow, options.RateWindow, options.MaxReservations * 4);
        _requestsPerIp = new KeyedRateLimiter<IPAddress>(options.MaxRequestsPerIpPerWindow, options.RateWindow, options.MaxReservations * 4);
    }

    public RelayServerOptions Options => _options;

    public int ReservationCount
    {
        get
        {
            lock (_gate)
                return _reservations.Count;
        }
    }

    public int CircuitCount
    {
        get
        {
            lock (_gate)
                return _circuits;
        }
    }

    /// <summary>True when <paramref name="peer"/> holds a reservation that has not expired.</summary>
    public bool HasReservation(PeerId peer, DateTimeOffset now)
    {
        lock (_gate)
            return _reservations.TryGetValue(peer, out var held) && held.Expires > now;
    }

    /// <summary>
    /// Decides on a hop request from <paramref name="peer"/>, whose connection comes from <paramref name="observed"/>
    /// (<paramref name="relayed"/> when that connection itself goes through a relay).
    /// </summary>
    public RelayHopDecision Admit(PeerId peer, Multiaddress observed, bool relayed, ReadOnlySpan<byte> request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(observed);
        HopRequest parsed;
        try
        {
            parsed = RelayMessages.ParseHopRequest(request);
        }
        catch (FormatException e)
        {
            return Refuse(RelayStatus.MalformedMessage, e.Message);
        }
        if (relayed)
            return Refuse(RelayStatus.PermissionDenied, "no relay service over a relayed connection");
        var ip = AddressScope.IpOf(observed);
        if (ip is not null && ip.IsIPv4MappedToIPv6)
            ip = ip.MapToIPv4();
        lock (_gate)
        {
            if (ip is not null && !_requestsPerIp.TryAcquire(ip, now))
                return Refuse(RelayStatus.ResourceLimitExceeded, "too many requests from this IP");
            return parsed.Target is { } target ? ConnectLocked(peer, target, now) : ReserveLocked(peer, ip, now);
        }
    }

    /// <summary>The peer's connection to us closed: its reservation ends with it (spec).</summary>
    public void PeerDisconnected(PeerId peer)
    {
        lock (_gate)
            RemoveLocked(peer);
    }

    /// <summary>Drops reservations that expired by <paramref name="now"/>; returns how many.</summary>
    public int ExpireReservations(DateTimeOffset now)
    {
        lock (_gate)
        {
            var expired = _reservations.Where(r => r.Value.Expires <= now).Select(r => r.Key).ToList();
            foreach (var peer in expired)
                RemoveLocked(peer);
            return expired.Count;
        }
    }

    internal void Release(RelayCircuit circuit)
    {
        lock (_gate)
        {
            _circuits--;
            Decrement(_circuitsPerPeer, circuit.Source);
            Decrement(_circuitsPerPeer, circuit.Target);
        }
    }

    private RelayHopDecision ReserveLocked(PeerId peer, IPAddress? ip, DateTimeOffset now)
    {
        if (!_reservePerPeer.TryAcquire(peer, now))
            return Refuse(RelayStatus.ReservationRefused, "reservation requests too frequent");
        var refresh = _reservations.TryGetValue(peer, out var held) && held.Expires > now;
        if (!refresh)
        {
            if (held is not null)
                RemoveLocked(peer); // expired: counts as new
            if (_reservations.Count >= _options.MaxReservations)
                return Refuse(RelayStatus.ReservationRefused, "the relay holds as many reservations as it serves");
            if (ip is not null && _reservationsPerIp.GetValueOrDefault(ip) >= _options.MaxReservationsPerIp)
                return Refuse(RelayStatus.ReservationRefused, "too many reservations from this IP");
        }
        else if (held!.Ip is { } oldIp && !oldIp.Equals(ip))
        {
            RemoveLocked(peer); // the peer moved: re-count it under its new IP
            if (ip is not null && _reservationsPerIp.GetValueOrDefault(ip) >= _options.MaxReservationsPerIp)
                return Refuse(RelayStatus.ReservationRefused, "too many reservations from this IP");
        }
        // Whole seconds: the wire carries Unix seconds, and the voucher must say exactly what the reservation says.
        var expires = DateTimeOffset.FromUnixTimeSeconds((now + _options.ReservationDuration).ToUnixTimeSeconds());
        if (!_reservations.ContainsKey(peer) && ip is not null)
            _reservationsPerIp[ip] = _reservationsPerIp.GetValueOrDefault(ip) + 1;
        _reservations[peer] = new Held(ip, expires);

        var self = _identity.PeerId;
        var addresses = _addresses()
            .Where(a => !AddressScope.IsRelayed(a))
            .Select(a => a.WithPeerId(self))
            .Distinct()
            .Take(RelayMessages.MaxReservationAddresses)
            .ToList();
        var voucher = new ReservationVoucher(self, peer, expires).Sign(_identity);
        var response = RelayMessages.EncodeHopStatus(RelayStatus.Ok, _options.CircuitLimit, new HopReservation(expires, addresses, voucher));
        return new RelayHopDecision(RelayStatus.Ok, refresh ? "reservation refreshed" : "reservation accepted", response, null);
    }

    private RelayHopDecision ConnectLocked(PeerId source, PeerId target, DateTimeOffset now)
    {
        if (source == target)
            return Refuse(RelayStatus.PermissionDenied, "a peer cannot relay to itself");
        if (!_reservations.TryGetValue(target, out var held) || held.Expires <= now)
            return Refuse(RelayStatus.NoReservation, $"{target} holds no reservation here");
        if (_circuits >= _options.MaxCircuits)
            return Refuse(RelayStatus.ResourceLimitExceeded, "the relay carries as many circuits as it serves");
        if (_circuitsPerPeer.GetValueOrDefault(source) >= _options.MaxCircuitsPerPeer)
            return Refuse(RelayStatus.ResourceLimitExceeded, "too many circuits from this peer");
        if (_circuitsPerPeer.GetValueOrDefault(target) >= _options.MaxCircuitsPerPeer)
            return Refuse(RelayStatus.ResourceLimitExceeded, "too many circuits to the target");
        _circuits++;
        _circuitsPerPeer[source] = _circuitsPerPeer.GetValueOrDefault(source) + 1;
        _circuitsPerPeer[target] = _circuitsPerPeer.GetValueOrDefault(target) + 1;
        var circuit = new RelayCircuit(this, source, target, _options.CircuitLimit, now);
        return new RelayHopDecision(RelayStatus.Ok, "circuit admitted", null, circuit);
    }

    private void RemoveLocked(PeerId peer)
    {
        if (!_reservations.Remove(peer, out var held))
            return;
        if (held.Ip is { } ip)
            Decrement(_reservationsPerIp, ip);
    }

    private static void Decrement<TKey>(Dictionary<TKey, int> counts, TKey key)
        where TKey : notnull
    {
        if (counts.TryGetValue(key, out var count))
        {
            if (count <= 1) counts.Remove(key);
            else counts[key] = count - 1;
        }
    }

    private static RelayHopDecision Refuse(RelayStatus status, string reason) =>
        new(status, reason, RelayMessages.EncodeHopStatus(status), null);

    private sealed record Held(IPAddress? Ip, DateTimeOffset Expires);
}
