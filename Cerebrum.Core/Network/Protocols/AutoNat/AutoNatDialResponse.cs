using Cerebrum.Core.Network.Multiaddr;
namespace Cerebrum.Core.Network.Protocols.AutoNat;

/// <summary>A decoded <c>DialResponse</c>: the outcome, the server's text, and the address it reached when <see cref="AutoNatStatus.Ok"/>.</summary>
public sealed record AutoNatDialResponse(AutoNatStatus Status, string Text, Multiaddress? Address);
