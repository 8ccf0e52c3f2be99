namespace Cerebrum.Core.Network.Protocols.Kademlia;

/// <summary>A decoded DHT message (request or response: the same protobuf), its peers and addresses checked.</summary>
public sealed record KademliaMessage(
    KademliaMessageType Type,
    ReadOnlyMemory<byte> Key,
    KademliaRecord? Record,
    IReadOnlyList<KademliaPeer> CloserPeers,
    IReadOnlyList<KademliaPeer> ProviderPeers)
{
    public static KademliaMessage Request(KademliaMessageType type, ReadOnlyMemory<byte> key) => new(type, key, null, [], []);
}
