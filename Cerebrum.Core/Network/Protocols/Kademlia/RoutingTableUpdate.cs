namespace Cerebrum.Core.Network.Protocols.Kademlia;

/// <summary>What <see cref="RoutingTable.TryAdd"/> did.</summary>
public enum RoutingTableUpdate
{
    /// <summary>The peer is new and now in its bucket.</summary>
    Added,

    /// <summary>The peer was there; it is now the most recently seen of its bucket.</summary>
    Refreshed,

    /// <summary>Its bucket is full: check the bucket's least recently seen peer, and remove it if it is gone.</summary>
    BucketFull,

    /// <summary>Our own ID: never stored.</summary>
    Self,
}
