using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Network.Noise;

/// <summary>
/// The responder authenticated correctly, but as a different peer than the dialer asked for. Distinct type so the
/// Host can tell "wrong peer at this address" (stale address book) from a broken or hostile handshake.
/// </summary>
public sealed class PeerIdMismatchException : NoiseHandshakeException
{
    public PeerIdMismatchException(PeerId expected, PeerId actual)
        : base($"remote peer is {actual}, but {expected} was expected")
    {
        Expected = expected;
        Actual = actual;
    }

    public PeerId Expected { get; }

    public PeerId Actual { get; }
}
