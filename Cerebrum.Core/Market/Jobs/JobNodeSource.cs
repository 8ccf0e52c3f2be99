namespace Cerebrum.Core.Market.Jobs;

/// <summary>Where a job learnt of a node and its price.</summary>
public enum JobNodeSource
{
    /// <summary>The node's signed quote for the job's request (its price binds it).</summary>
    Quote,

    /// <summary>The node's offer or heartbeat, heard while no quote was usable.</summary>
    Offer,

    /// <summary>The job's lease (<c>--lease</c>): the tenant's node, whatever the ledger's standing.</summary>
    Lease,
}
