namespace Cerebrum.Core.Network.Protocols.Kademlia;

/// <summary>The DHT's request types, with their wire values.</summary>
public enum KademliaMessageType
{
    PutValue = 0,
    GetValue = 1,
    AddProvider = 2,
    GetProviders = 3,
    FindNode = 4,
    Ping = 5,
}
