using Cerebrum.Core.Network.Connections;

namespace Cerebrum.Core.Network.Resources;

/// <summary>The <see cref="ResourceManager"/>'s <see cref="IStreamScope"/>: transient until its protocol is set.</summary>
internal sealed class StreamResourceScope(ResourceManager manager, ResourceScope own, ConnectionResourceScope connection, ConnectionDirection direction)
    : ResourceLeaf(manager, own), IStreamScope
{
    internal ConnectionResourceScope Connection { get; } = connection;

    internal ConnectionDirection Direction { get; } = direction;

    internal string? Protocol { get; set; }

    internal string? Service { get; set; }

    public bool SetProtocol(string protocol) => Manager.SetProtocol(this, protocol);

    public bool SetService(string service) => Manager.SetService(this, service);
}
