namespace Cerebrum.Core.Network.Connections;

public sealed class ConnectionEventArgs(Connection connection) : EventArgs
{
    public Connection Connection { get; } = connection;
}
