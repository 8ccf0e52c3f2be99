namespace Cerebrum.Core.Network.Noise;

/// <summary>
/// The XX handshake failed: the peer closed mid-handshake, sent a malformed or unauthenticated message, or its
/// libp2p identity payload did not verify. The connection must be dropped.
/// </summary>
public class NoiseHandshakeException : NoiseException
{
    public NoiseHandshakeException()
    {
    }

    public NoiseHandshakeException(string message) : base(message)
    {
    }

    public NoiseHandshakeException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
