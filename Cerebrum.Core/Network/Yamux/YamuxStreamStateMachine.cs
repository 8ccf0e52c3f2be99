namespace Cerebrum.Core.Network.Yamux;

/// <summary>
/// Pure state bookkeeping for one stream (no I/O, not thread-safe: the owning stream serialises calls under its lock).
/// Transition methods return false when the event does not apply in the current state, letting the caller decide
/// whether that is a harmless race (e.g. a FIN after a reset) or a violation.
/// </summary>
internal sealed class YamuxStreamStateMachine
{
    public YamuxStreamStateMachine(YamuxStreamState initial)
    {
        if (initial is not (YamuxStreamState.Init or YamuxStreamState.SynReceived))
            throw new ArgumentOutOfRangeException(nameof(initial), initial, "streams start as Init (outbound) or SynReceived (inbound)");
        State = initial;
        IsOutbound = initial == YamuxStreamState.Init;
    }

    public bool IsOutbound { get; }

    public YamuxStreamState State { get; private set; }

    /// <summary>True once the peer acknowledged our SYN (outbound) or we acknowledged theirs (inbound).</summary>
    public bool IsAcknowledged { get; private set; }

    /// <summary>This side may still send data (no FIN sent, not reset).</summary>
    public bool CanSend => State is YamuxStreamState.Init or YamuxStreamState.SynSent or YamuxStreamState.SynReceived
        or YamuxStreamState.Established or YamuxStreamState.RemoteClose;

    /// <summary>The peer may still legitimately send data (it has not sent FIN, not reset).</summary>
    public bool CanReceive => State is YamuxStreamState.SynSent or YamuxStreamState.SynReceived
        or YamuxStreamState.Established or YamuxStreamState.LocalClose;

    public bool IsRemoteFinished => State is YamuxStreamState.RemoteClose or YamuxStreamState.Closed;

    public bool IsTerminal => State is YamuxStreamState.Closed or YamuxStreamState.Reset;

    public bool OnSynSent()
    {
        if (State != YamuxStreamState.Init)
            return false;
        State = YamuxStreamState.SynSent;
        return true;
    }

    public bool OnAckReceived()
    {
        // Only our own SYN can be acknowledged by the peer, and only once it went out.
        if (!IsOutbound || IsAcknowledged || State == YamuxStreamState.Init)
            return false;
        IsAcknowledged = true;
        if (State == YamuxStreamState.SynSent)
            State = YamuxStreamState.Established;
        return true;
    }

    public bool OnAckSent()
    {
        if (IsOutbound || IsAcknowledged)
            return false;
        IsAcknowledged = true;
        if (State == YamuxStreamState.SynReceived)
            State = YamuxStreamState.Established;
        return true;
    }

    public bool OnFinSent()
    {
        switch (State)
        {
            case YamuxStreamState.Init or YamuxStreamState.SynSent or YamuxStreamState.SynReceived or YamuxStreamState.Established:
                State = YamuxStreamState.LocalClose;
                return true;
            case YamuxStreamState.RemoteClose:
                State = YamuxStreamState.Closed;
                return true;
            default:
                return false;
        }
    }

    public bool OnFinReceived()
    {
        switch (State)
        {
            case YamuxStreamState.SynSent or YamuxStreamState.SynReceived or YamuxStreamState.Established:
                State = YamuxStreamState.RemoteClose;
                return true;
            case YamuxStreamState.LocalClose:
                State = YamuxStreamState.Closed;
                return true;
            default:
                return false;
        }
    }

    public bool OnReset()
    {
        if (IsTerminal)
            return false;
        State = YamuxStreamState.Reset;
        return true;
    }
}
