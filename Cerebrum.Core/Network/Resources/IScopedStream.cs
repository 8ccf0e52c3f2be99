namespace Cerebrum.Core.Network.Resources;

/// <summary>
/// A byte stream that belongs to a resource scope (a negotiated <see cref="Streams.ProtocolStream"/>'s): whoever
/// buffers its messages (<see cref="LengthPrefixedMessage"/>) reserves the buffers there before allocating them, so that
/// many streams holding large half-sent messages count against the peer's and the system's memory limits.
/// </summary>
public interface IScopedStream
{
    /// <summary>The scope message buffers are reserved in; null when the stream is not accounted (e.g. in tests).</summary>
    IResourceScope? BufferScope { get; }
}
