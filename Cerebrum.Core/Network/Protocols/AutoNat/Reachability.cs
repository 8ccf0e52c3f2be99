namespace Cerebrum.Core.Network.Protocols.AutoNat;

/// <summary>Whether peers can dial us: not yet known, dialable at a public address, or only through relays.</summary>
public enum Reachability
{
    Unknown,
    Public,
    Private,
}
