namespace Cerebrum.Core.Network.Noise;

/// <summary>
/// A fatal error on an established Noise channel: a frame failed authentication, was truncated or malformed, or a
/// nonce ran out. The underlying connection has been closed by the time this is thrown.
/// </summary>
public class NoiseTransportException : NoiseException
{
    public NoiseTransportException()
    {
    }

    public NoiseTransportException(string message) : base(message)
    {
    }

    public NoiseTransportException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
