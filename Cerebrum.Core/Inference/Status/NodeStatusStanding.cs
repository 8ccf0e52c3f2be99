namespace Cerebrum.Core.Inference.Status;

/// <summary>What the ledger says of a node whose heartbeat a <see cref="NodeStatusBook"/> keeps, lowest first.</summary>
public enum NodeStatusStanding
{
    /// <summary>Not on the ledger (or no ledger): a key anyone can make for free.</summary>
    Unregistered,

    /// <summary>Registered (staked) on the ledger, not (or no longer) Active.</summary>
    Registered,

    /// <summary>Active: registered and passed the validators' checks.</summary>
    Active,
}
