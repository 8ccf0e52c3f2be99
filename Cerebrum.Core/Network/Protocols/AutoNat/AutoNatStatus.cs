namespace Cerebrum.Core.Network.Protocols.AutoNat;

/// <summary>A dial-back answer's status, with the spec's wire values.</summary>
public enum AutoNatStatus
{
    Ok = 0,
    DialError = 100,
    DialRefused = 101,
    BadRequest = 200,
    InternalError = 300,
}
