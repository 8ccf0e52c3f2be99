namespace Cerebrum.Core.Network;

public enum ConnectionDirection
{
    Inbound,
    Outbound,
}
