using System.Diagnostics.Metrics;

namespace Cerebrum.Core.Chain;

/// <summary>A chain node's instruments (see <see cref="ChainMetrics"/>), read from the node when observed.</summary>
internal static class ChainNodeInstruments
{
    /// <param name="status">The node's status; null once the node is disposed (then nothing is reported).</param>
    /// <param name="gauges">The node's security gauges; null once it is disposed.</param>
    public static void Register(IMeterFactory? meterFactory, Func<ChainStatus?> status, Func<ChainGauges?> gauges)
    {
        if (meterFactory is null) return;
        var meter = meterFactory.Create(ChainMetrics.MeterName);
        meter.CreateObservableGauge(ChainMetrics.Height,
            () => status() is { } s ? [new Measurement<long>((long)s.Height)] : Array.Empty<Measurement<long>>(),
            "{block}", "Height of the last committed block");
        meter.CreateObservableGauge(ChainMetrics.MempoolTransactions,
            () => status() is { } s ? [new Measurement<int>(s.PendingTransactions)] : Array.Empty<Measurement<int>>(),
            "{transaction}", "Transactions waiting in the mempool");
        meter.CreateObservableGauge(ChainMetrics.PendingEvidence,
            () => gauges() is { } g ? [new Measurement<int>(g.PendingEvidence)] : Array.Empty<Measurement<int>>(),
            "{evidence}", "Double-signing evidence waiting for a block");
        meter.CreateObservableGauge(ChainMetrics.JailedValidators,
            () => gauges() is { } g ? [new Measurement<int>(g.JailedValidators)] : Array.Empty<Measurement<int>>(),
            "{validator}", "Validators jailed for double signing");
        meter.CreateObservableGauge(ChainMetrics.Burned,
            () => gauges() is { } g ? [new Measurement<long>((long)g.Burned)] : Array.Empty<Measurement<long>>(),
            "micro-CER", "Micro-CER burned (account creation fees, slashed stake)");
        meter.CreateObservableCounter(ChainMetrics.StateEntriesVisited,
            () => gauges() is { } g ? [new Measurement<long>(g.StateEntriesVisited)] : Array.Empty<Measurement<long>>(),
            "{entry}", "State and index entries read by block execution and queries");
    }
}

/// <summary>What <see cref="ChainNodeInstruments"/> reports besides the status.</summary>
internal sealed record ChainGauges(int PendingEvidence, int JailedValidators, ulong Burned, long StateEntriesVisited);
