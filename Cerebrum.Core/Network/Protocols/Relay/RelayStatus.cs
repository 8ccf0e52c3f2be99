namespace Cerebrum.Core.Network.Protocols.Relay;

/// <summary>Outcome of a hop or stop request, with the spec's wire values.</summary>
public enum RelayStatus
{
    Ok = 100,
    ReservationRefused = 200,
    ResourceLimitExceeded = 201,
    PermissionDenied = 202,
    ConnectionFailed = 203,
    NoReservation = 204,
    MalformedMessage = 400,
    UnexpectedMessage = 401,
}
