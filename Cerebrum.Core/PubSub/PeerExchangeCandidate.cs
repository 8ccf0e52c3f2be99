using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.PubSub;

/// <summary>A peer offered to us in a PRUNE's peer exchange, for the edge to connect to.</summary>
public sealed record PeerExchangeCandidate(PeerId Peer, string Topic, ReadOnlyMemory<byte> SignedPeerRecord);
