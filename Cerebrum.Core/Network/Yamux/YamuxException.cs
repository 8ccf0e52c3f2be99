namespace Cerebrum.Core.Network.Yamux;

/// <summary>Base for yamux failures; an <see cref="IOException"/> so callers treating the muxer as a stream can catch it as such.</summary>
public class YamuxException : IOException
{
    public YamuxException() { }

    public YamuxException(string message) : base(message) { }

    public YamuxException(string message, Exception innerException) : base(message, innerException) { }
}
