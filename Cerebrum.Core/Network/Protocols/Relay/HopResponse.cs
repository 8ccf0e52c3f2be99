using Cerebrum.Core.Network.Multiaddr;
namespace Cerebrum.Core.Network.Protocols.Relay;

/// <summary>A decoded hop STATUS: the outcome, and for an accepted reservation what was granted.</summary>
public sealed record HopResponse(RelayStatus Status, HopReservation? Reservation, RelayLimit Limit);

/// <summary>The reservation part of a hop STATUS as sent: expiry, the relay's addresses, the voucher envelope.</summary>
public sealed record HopReservation(DateTimeOffset Expires, IReadOnlyList<Multiaddress> RelayAddresses, ReadOnlyMemory<byte> Voucher);
