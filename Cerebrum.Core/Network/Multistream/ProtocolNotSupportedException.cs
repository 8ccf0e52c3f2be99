namespace Cerebrum.Core.Network.Multistream;

/// <summary>
/// The peer answered <c>na</c> to every protocol we proposed (or, for a lazily proposed protocol, ended the stream
/// instead of answering: see <see cref="Network.Connection.OpenStreamLazyAsync"/>).
/// </summary>
public sealed class ProtocolNotSupportedException : Exception
{
    public ProtocolNotSupportedException()
        : this([])
    {
    }

    public ProtocolNotSupportedException(string message) : base(message)
    {
        Protocols = [];
    }

    public ProtocolNotSupportedException(string message, Exception innerException) : base(message, innerException)
    {
        Protocols = [];
    }

    public ProtocolNotSupportedException(IReadOnlyList<string> protocols)
        : base($"the peer supports none of the proposed protocols: {string.Join(", ", protocols)}")
    {
        Protocols = [.. protocols];
    }

    public ProtocolNotSupportedException(IReadOnlyList<string> protocols, string message, Exception? innerException)
        : base(message, innerException)
    {
        Protocols = [.. protocols];
    }

    /// <summary>The protocols that were tried, in the order proposed.</summary>
    public IReadOnlyList<string> Protocols { get; }
}
