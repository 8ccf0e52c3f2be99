using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Network.Protocols.AutoNat;

/// <summary>A decoded <c>Dial</c>: who asks, and the addresses it wants tested, and how many it listed that we could not parse (left out).</summary>
public sealed record AutoNatDialRequest(PeerId Peer, IReadOnlyList<Multiaddress> Addresses, int UnparsableAddresses = 0);
