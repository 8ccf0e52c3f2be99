namespace Cerebrum.Core.Network.Resources;

/// <summary>The <see cref="ResourceManager"/>'s <see cref="IServiceScope"/>.</summary>
internal sealed class ServiceResourceScope(ResourceManager manager, ResourceScope own) : ResourceLeaf(manager, own), IServiceScope
{
}
