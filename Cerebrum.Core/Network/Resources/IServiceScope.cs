namespace Cerebrum.Core.Network.Resources;

/// <summary>
/// Memory a service holds on its own account rather than a stream's (e.g. a relay's reservations, a DHT's records), for
/// one peer or for none: it counts against the service, the service for that peer and the peer, and the system.
/// Disposing it releases everything still reserved.
/// </summary>
public interface IServiceScope : IResourceScope, IDisposable
{
}
