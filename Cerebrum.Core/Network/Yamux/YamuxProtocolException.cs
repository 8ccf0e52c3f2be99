namespace Cerebrum.Core.Network.Yamux;

/// <summary>The remote peer violated the yamux protocol (bad header, window overrun, stream id misuse).</summary>
public sealed class YamuxProtocolException : YamuxException
{
    public YamuxProtocolException() { }

    public YamuxProtocolException(string message) : base(message) { }

    public YamuxProtocolException(string message, Exception innerException) : base(message, innerException) { }
}
