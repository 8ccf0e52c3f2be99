using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Addressing;

namespace Cerebrum.Core.Network.Protocols.Relay;

/// <summary>
/// A reservation we hold on a relay, checked: the voucher verifies, is the relay's and ours, and agrees with the expiry.
/// <see cref="CircuitAddresses"/> are what we announce while it lasts.
/// </summary>
public sealed record RelayReservation(PeerId Relay, DateTimeOffset Expires, IReadOnlyList<Multiaddress> RelayAddresses, ReservationVoucher Voucher, RelayLimit Limit)
{
    /// <summary>Our relayed addresses through this relay: each relay address with <c>/p2p-circuit</c> appended.</summary>
    public IReadOnlyList<Multiaddress> CircuitAddresses => [.. RelayAddresses.Select(CircuitAddress.Through)];

    /// <summary>
    /// Checks the answer <paramref name="relay"/> gave to our RESERVE. Addresses that do not name the relay get its ID
    /// appended; relayed ones are dropped.
    /// </summary>
    /// <exception cref="RelayRefusedException">The relay refused (the status says why).</exception>
    /// <exception cref="FormatException">An OK without a reservation, a bad voucher, or one for another relay, peer or time.</exception>
    public static RelayReservation FromResponse(HopResponse response, PeerId relay, PeerId self, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(relay);
        ArgumentNullException.ThrowIfNull(self);
        if (response.Status != RelayStatus.Ok)
            throw new RelayRefusedException(response.Status);
        if (response.Reservation is not { } granted)
            throw new FormatException("the relay accepted the reservation but sent none");
        if (granted.Expires <= now)
            throw new FormatException($"the reservation expired at {granted.Expires:O}, before it was granted");
        var voucher = ReservationVoucher.Open(granted.Voucher.Span);
        if (voucher.Relay != relay)
            throw new FormatException($"the voucher is relay {voucher.Relay}'s, not {relay}'s");
        if (voucher.Peer != self)
            throw new FormatException($"the voucher is for {voucher.Peer}, not for us ({self})");
        if (voucher.Expires != granted.Expires)
            throw new FormatException($"the voucher expires at {voucher.Expires:O} but the reservation at {granted.Expires:O}");
        var addresses = new List<Multiaddress>();
        foreach (var address in granted.RelayAddresses)
        {
            if (AddressScope.IsRelayed(address))
                continue;
            if (address.PeerId is { } named && named != relay)
                continue;
            var withId = address.WithPeerId(relay);
            if (!addresses.Contains(withId))
                addresses.Add(withId);
        }
        return new RelayReservation(relay, granted.Expires, addresses, voucher, response.Limit);
    }
}
