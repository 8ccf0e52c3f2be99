namespace Cerebrum.Core.Network.Yamux;

/// <summary>The session can no longer open streams, or has ended, because a GoAway was sent or received.</summary>
public sealed class YamuxGoAwayException : YamuxException
{
    public YamuxGoAwayException() : this("GoAway", YamuxGoAwayCode.Normal, isRemote: true) { }

    public YamuxGoAwayException(string message) : this(message, YamuxGoAwayCode.Normal, isRemote: true) { }

    public YamuxGoAwayException(string message, Exception innerException) : base(message, innerException) { }

    public YamuxGoAwayException(string message, YamuxGoAwayCode code, bool isRemote) : base(message)
    {
        Code = code;
        IsRemote = isRemote;
    }

    /// <summary>The code carried by the GoAway frame (raw values outside the enum are kept as-is).</summary>
    public YamuxGoAwayCode Code { get; }

    /// <summary>True when the peer sent the GoAway, false when this side did.</summary>
    public bool IsRemote { get; }
}
