namespace Cerebrum.Core.Network.Resources;

/// <summary>
/// A scope the <see cref="ResourceManager"/> hands out (a connection's, a stream's, a service's memory): its own
/// accounting node first in <see cref="Chain"/>, then every node its resources count against, and what it added to
/// them itself (<see cref="Contribution"/>), which its disposal takes back. Changed only under the manager's lock.
/// </summary>
internal abstract class ResourceLeaf(ResourceManager manager, ResourceScope own) : IResourceScope, IDisposable
{
    internal ResourceManager Manager { get; } = manager;

    internal ResourceScope Own { get; } = own;

    /// <summary>Own first; each keyed node in it holds one reference for this leaf.</summary>
    internal ResourceScope[] Chain { get; set; } = [own];

    internal ResourceDelta Contribution { get; set; }

    internal bool Disposed { get; set; }

    public bool ReserveMemory(long bytes, ReservationPriority priority) => Manager.Reserve(this, bytes, priority);

    public void ReleaseMemory(long bytes) => Manager.Release(this, bytes);

    public void Dispose() => Manager.Close(this);

    public override string ToString() => Own.Name;
}
