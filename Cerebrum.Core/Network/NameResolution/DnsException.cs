namespace Cerebrum.Core.Network.NameResolution;

/// <summary>A name could not be resolved: no server answered, or every server failed (the message says which way).</summary>
public sealed class DnsException : Exception
{
    public DnsException()
    {
    }

    public DnsException(string message)
        : base(message)
    {
    }

    public DnsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
