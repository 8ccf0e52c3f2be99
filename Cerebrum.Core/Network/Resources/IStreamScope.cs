namespace Cerebrum.Core.Network.Resources;

/// <summary>What one stream holds, from its opening until it is disposed. Disposed once.</summary>
public interface IStreamScope : IDisposable
{
    /// <summary>Multistream-select agreed on <paramref name="protocol"/> (for a lazily opened stream: it was proposed).</summary>
    /// <returns>False to refuse the stream (the protocol is over its limits); the host then resets it.</returns>
    bool SetProtocol(string protocol);
}
