namespace Cerebrum.Core.Network.Noise;

/// <summary>
/// Base of every Noise failure. Derives from <see cref="IOException"/> so stream consumers (the muxer, the Host)
/// that already treat IOException as "connection broken" handle Noise failures without special cases.
/// </summary>
public class NoiseException : IOException
{
    public NoiseException()
    {
    }

    public NoiseException(string message) : base(message)
    {
    }

    public NoiseException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
