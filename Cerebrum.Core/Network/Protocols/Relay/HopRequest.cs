using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Network.Protocols.Relay;

/// <summary>A decoded hop request: a reservation (<see cref="Target"/> null) or a connection to <see cref="Target"/>.</summary>
public sealed record HopRequest(PeerId? Target)
{
    public bool IsReservation => Target is null;
}
