namespace Cerebrum.Core.Network.Dialing;

/// <summary>A dial that failed, with a machine-readable reason and a message for people.</summary>
public sealed class DialException : Exception
{
    public DialException(DialFailureReason reason, string message, Exception? inner = null) : base(message, inner) => Reason = reason;

    public DialException() : this(DialFailureReason.Unreachable, "dial failed") { }

    public DialException(string message) : this(DialFailureReason.Unreachable, message) { }

    public DialException(string message, Exception inner) : this(DialFailureReason.Unreachable, message, inner) { }

    public DialFailureReason Reason { get; }
}
