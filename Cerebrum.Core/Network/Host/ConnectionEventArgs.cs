namespace Cerebrum.Core.Network;

public sealed class ConnectionEventArgs(Connection connection) : EventArgs
{
    public Connection Connection { get; } = connection;
}
