namespace Cerebrum.Core.Network.Yamux;

/// <summary>The stream was reset (RST) by either side; buffered data is discarded.</summary>
public sealed class YamuxStreamResetException : YamuxException
{
    public YamuxStreamResetException() { }

    public YamuxStreamResetException(string message) : base(message) { }

    public YamuxStreamResetException(string message, Exception innerException) : base(message, innerException) { }
}
