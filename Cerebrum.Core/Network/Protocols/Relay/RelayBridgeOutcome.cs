namespace Cerebrum.Core.Network.Protocols.Relay;

/// <summary>How a relayed connection ended at the relay.</summary>
public enum RelayBridgeOutcome
{
    /// <summary>Both ends closed their writing side; everything was forwarded.</summary>
    Closed,

    /// <summary>One direction reached the data limit: both streams were reset.</summary>
    DataLimit,

    /// <summary>The duration limit passed: both streams were reset.</summary>
    TimeLimit,

    /// <summary>A read or write failed (a reset by an end, a dead connection): both streams were reset.</summary>
    Broken,
}
