namespace Cerebrum.Core.Gateway;

/// <summary>A request the gateway refuses or cannot complete, with a message meant for the app's developer.</summary>
public sealed class GatewayException : Exception
{
    public GatewayException(GatewayErrorKind kind, string message, TimeSpan? retryAfter = null)
        : base(message)
    {
        Kind = kind;
        RetryAfter = retryAfter;
    }

    public GatewayErrorKind Kind { get; }

    /// <summary>For 429s: how long the client should wait before trying again.</summary>
    public TimeSpan? RetryAfter { get; }
}
