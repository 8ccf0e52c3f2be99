namespace Cerebrum.Core.Network.Multistream;

/// <summary>
/// The peer broke the multistream-select protocol (malformed, oversized or unexpected message). An
/// <see cref="IOException"/> so transport code handles it like any other failure of the connection.
/// </summary>
public sealed class MultistreamProtocolException : IOException
{
    public MultistreamProtocolException()
    {
    }

    public MultistreamProtocolException(string message) : base(message)
    {
    }

    public MultistreamProtocolException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
