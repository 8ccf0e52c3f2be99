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
}
