using Cerebrum.Core.Network.Multiaddr;
namespace Cerebrum.Core.Network.Protocols.AutoNat;

/// <summary>
/// <see cref="AutoNatServer.Admit"/>'s verdict: a refusal (<see cref="Response"/> to send, no dialling) or a dial-back
/// (<see cref="DialTargets"/>, then <see cref="AutoNatServer.Complete"/>).
/// </summary>
public sealed class AutoNatAdmission
{
    private int _completed;

    private AutoNatAdmission(AutoNatStatus status, string reason, byte[]? response, IReadOnlyList<Multiaddress> targets)
    {
        Status = status;
        Reason = reason;
        Response = response;
        DialTargets = targets;
    }

    /// <summary><see cref="AutoNatStatus.Ok"/> for a dial-back, else the refusal's status.</summary>
    public AutoNatStatus Status { get; }

    /// <summary>Why a request was refused (also the response's status text); empty for a dial-back.</summary>
    public string Reason { get; }

    /// <summary>The encoded refusal; null for a dial-back.</summary>
    public byte[]? Response { get; }

    /// <summary>Addresses to dial, each with the asker's <c>/p2p</c> ID; empty for a refusal.</summary>
    public IReadOnlyList<Multiaddress> DialTargets { get; }

    internal static AutoNatAdmission Refuse(AutoNatStatus status, string reason) =>
        new(status, reason, AutoNatMessages.EncodeDialResponse(status, reason), []);

    internal static AutoNatAdmission DialBack(IReadOnlyList<Multiaddress> targets) => new(AutoNatStatus.Ok, string.Empty, null, targets);

    /// <summary>True the first time only.</summary>
    internal bool MarkCompleted() => Interlocked.Exchange(ref _completed, 1) == 0;
}
