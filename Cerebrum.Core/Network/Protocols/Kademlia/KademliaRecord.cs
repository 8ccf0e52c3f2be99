namespace Cerebrum.Core.Network.Protocols.Kademlia;

/// <summary>A value record: a key and its value (validated by the key's namespace before it is stored or believed).</summary>
public sealed record KademliaRecord(ReadOnlyMemory<byte> Key, ReadOnlyMemory<byte> Value);
