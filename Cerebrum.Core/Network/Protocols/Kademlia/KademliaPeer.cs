using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Network.Protocols.Kademlia;

/// <summary>A peer as a DHT message names it: its ID and the addresses the sender knows for it.</summary>
public sealed record KademliaPeer(PeerId Id, IReadOnlyList<Multiaddress> Addresses);
