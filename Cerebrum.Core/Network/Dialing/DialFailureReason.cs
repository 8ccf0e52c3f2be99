namespace Cerebrum.Core.Network.Dialing;

/// <summary>Why a dial failed; the CLI turns these into one-line reasons.</summary>
public enum DialFailureReason
{
    InvalidAddress,
    Unreachable,
    Timeout,
    HandshakeFailed,
    PeerIdMismatch,
    NegotiationFailed,
    Backoff,
    ConnectionLimit,
    DialSelf,
    HostStopped,
    Banned,
}
