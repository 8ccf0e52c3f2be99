using System.Diagnostics.Metrics;

namespace Cerebrum.Core.Chain;

/// <summary>A chain node's gauges (see <see cref="ChainMetrics"/>), read from its status when observed.</summary>
internal static class ChainNodeInstruments
{
    /// <param name="status">The node's status; null once the node is disposed (then nothing is reported).</param>
    public static void Register(IMeterFactory? meterFactory, Func<ChainStatus?> status)
    {
        if (meterFactory is null) return;
        var meter = meterFactory.Create(ChainMetrics.MeterName);
        meter.CreateObservableGauge(ChainMetrics.Height,
            () => status() is { } s ? [new Measurement<long>((long)s.Height)] : Array.Empty<Measurement<long>>(),
            "{block}", "Height of the last committed block");
        meter.CreateObservableGauge(ChainMetrics.MempoolTransactions,
            () => status() is { } s ? [new Measurement<int>(s.PendingTransactions)] : Array.Empty<Measurement<int>>(),
            "{transaction}", "Transactions waiting in the mempool");
    }
}
