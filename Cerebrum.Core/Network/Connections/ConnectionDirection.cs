namespace Cerebrum.Core.Network.Connections;

public enum ConnectionDirection
{
    Inbound,
    Outbound,
}
