namespace Cerebrum.Core.Network.Resources;

/// <summary>
/// What one stream holds, from its opening until it is disposed: the stream, and the memory its protocol handler
/// reserves (message buffers) before allocating it. Until <see cref="SetProtocol"/> the stream is transient. Disposed once.
/// </summary>
public interface IStreamScope : IResourceScope, IDisposable
{
    /// <summary>Multistream-select agreed on <paramref name="protocol"/> (for a lazily opened stream: it was proposed).</summary>
    /// <returns>False to refuse the stream (the protocol is over its limits); the host then resets it.</returns>
    bool SetProtocol(string protocol);

    /// <summary>
    /// The stream belongs to <paramref name="service"/> (a protocol service such as a relay or the DHT), so that it also
    /// counts against that service's limits, overall and for this peer.
    /// </summary>
    /// <returns>False to refuse the stream (the service is over its limits); the caller then resets it.</returns>
    bool SetService(string service);
}
