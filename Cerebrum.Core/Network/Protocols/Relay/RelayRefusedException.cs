namespace Cerebrum.Core.Network.Protocols.Relay;

/// <summary>A relay answered a hop request, or a peer a stop request, with a status other than OK.</summary>
public sealed class RelayRefusedException : Exception
{
    public RelayRefusedException(RelayStatus status)
        : base($"the relay refused: {status}") => Status = status;

    public RelayRefusedException()
        : this(RelayStatus.ConnectionFailed)
    {
    }

    public RelayRefusedException(string message)
        : base(message) => Status = RelayStatus.ConnectionFailed;

    public RelayRefusedException(string message, Exception innerException)
        : base(message, innerException) => Status = RelayStatus.ConnectionFailed;

    public RelayStatus Status { get; }
}
