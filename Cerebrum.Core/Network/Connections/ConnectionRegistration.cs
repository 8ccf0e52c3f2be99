namespace Cerebrum.Core.Network.Connections;

/// <summary>What <see cref="ConnectionManager.TryAdd"/> did with an upgraded connection.</summary>
internal enum ConnectionRegistration
{
    /// <summary>Added to the table; its loops run.</summary>
    Added,

    /// <summary>The remote peer is banned: the caller closes the connection.</summary>
    Banned,

    /// <summary>The host is stopping: the caller closes the connection.</summary>
    Stopping,
}
