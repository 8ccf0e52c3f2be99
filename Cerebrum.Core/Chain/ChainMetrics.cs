namespace Cerebrum.Core.Chain;

/// <summary>
/// The Chain layer's meter and instrument names, published by a <see cref="ChainNode"/> opened with an
/// <see cref="System.Diagnostics.Metrics.IMeterFactory"/> (see <see cref="Network.NetworkMetrics"/> for why a factory).
/// </summary>
public static class ChainMetrics
{
    public const string MeterName = "Cerebrum.Chain";

    /// <summary>Gauge: height of the last committed block (0 before the first).</summary>
    public const string Height = "cerebrum.chain.height";

    /// <summary>Gauge: transactions waiting in the mempool.</summary>
    public const string MempoolTransactions = "cerebrum.chain.mempool.transactions";

    /// <summary>Gauge: verified double-signing evidence waiting for a block (at most <see cref="ChainNode.MaxPendingEvidence"/>).</summary>
    public const string PendingEvidence = "cerebrum.chain.evidence.pending";

    /// <summary>Gauge: validators jailed for double signing.</summary>
    public const string JailedValidators = "cerebrum.chain.validators.jailed";

    /// <summary>Gauge: micro-CER burned so far (account creation fees, slashed stake).</summary>
    public const string Burned = "cerebrum.chain.supply.burned";

    /// <summary>Observable counter: state and index entries read by block execution and queries (per-block work, flat in the number of accounts).</summary>
    public const string StateEntriesVisited = "cerebrum.chain.state.entries_visited";
}
