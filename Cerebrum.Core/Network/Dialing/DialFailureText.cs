using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Noise;

namespace Cerebrum.Core.Network.Dialing;

/// <summary>One-line, reason-first descriptions of dial failures ("unreachable: …", "peer ID mismatch: expected X, got Y").</summary>
public static class DialFailureText
{
    public static string Describe(DialException e) => e.Reason switch
    {
        DialFailureReason.PeerIdMismatch when e.InnerException is PeerIdMismatchException m => $"peer ID mismatch: expected {m.Expected}, got {m.Actual}",
        DialFailureReason.PeerIdMismatch => $"peer ID mismatch: {e.Message}",
        DialFailureReason.HandshakeFailed => $"handshake failed: {e.Message}",
        DialFailureReason.NegotiationFailed when e.InnerException is ProtocolNotSupportedException p => $"protocol not supported: {string.Join(", ", p.Protocols)}",
        DialFailureReason.NegotiationFailed => $"handshake failed: {e.Message}",
        DialFailureReason.InvalidAddress => $"invalid address: {e.Message}",
        DialFailureReason.DialSelf => $"cannot dial self: {e.Message}",
        _ => $"unreachable: {e.Message}",
    };

    /// <summary>The line for a peer that lacks <paramref name="protocol"/>.</summary>
    public static string ProtocolNotSupported(string protocol) => $"protocol not supported: {protocol}";
}
