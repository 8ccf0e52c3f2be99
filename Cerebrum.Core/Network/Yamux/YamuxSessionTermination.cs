namespace Cerebrum.Core.Network.Yamux;

/// <summary>
/// Why and how a session ends. The first termination requested wins.
/// </summary>
/// <param name="Error">Null for a local, graceful close (Completion succeeds); otherwise the fault Completion carries.</param>
/// <param name="GoAwayToSend">GoAway code to send before closing, unless one was already sent; null to send none.</param>
/// <param name="FlushQueued">Give queued frames a bounded time to reach the transport before cutting it.</param>
internal sealed record YamuxSessionTermination(Exception? Error, YamuxGoAwayCode? GoAwayToSend, bool FlushQueued)
{
    public static YamuxSessionTermination LocalClose { get; } = new(null, YamuxGoAwayCode.Normal, FlushQueued: true);

    public static YamuxSessionTermination ProtocolViolation(YamuxProtocolException error) => new(error, YamuxGoAwayCode.ProtocolError, FlushQueued: true);

    /// <summary>The transport is gone or unusable: nothing more can be said to the peer.</summary>
    public static YamuxSessionTermination TransportLost(Exception error) => new(error, null, FlushQueued: false);
}
