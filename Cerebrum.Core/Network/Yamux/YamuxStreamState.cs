namespace Cerebrum.Core.Network.Yamux;

/// <summary>Lifecycle of a yamux stream as seen from this side.</summary>
internal enum YamuxStreamState
{
    /// <summary>Outbound stream created, SYN not sent yet.</summary>
    Init,
    /// <summary>Outbound stream whose SYN went out but whose ACK has not arrived.</summary>
    SynSent,
    /// <summary>Inbound stream whose SYN arrived but which this side has not ACKed (not accepted yet).</summary>
    SynReceived,
    Established,
    /// <summary>This side sent FIN; the peer may still send.</summary>
    LocalClose,
    /// <summary>The peer sent FIN; this side may still send.</summary>
    RemoteClose,
    /// <summary>Both sides sent FIN.</summary>
    Closed,
    /// <summary>Aborted by RST from either side, or by the session ending.</summary>
    Reset,
}
