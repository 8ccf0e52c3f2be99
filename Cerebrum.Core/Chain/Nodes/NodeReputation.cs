using Cerebrum.Core.Chain.Proto;

namespace Cerebrum.Core.Chain.Nodes;

/// <summary>
/// Reputation, 0..1,000,000 (ppm), an integer moving average kept in the node's ledger record (so a restart of the node
/// changes nothing). Each time attestations change a node's figures, one sample is taken:
/// <code>
/// sample = (4 × canary pass rate + 3 × availability + 2 × min(throughput ‰ of the claim, 1000) × 1000
///           + 1 × lease completion) / (sum of the weights of the parts measured)
/// </code>
/// where the canary pass rate and availability (probes answered over probes sent) are the stake-weighted medians of the
/// validators' figures, lease completion is completed / (completed + faulted) leases, all in ppm, and a part not yet
/// measured (no canary, no probe, no challenge, no lease ended) is left out of both sums. The first sample sets the
/// reputation; afterwards it moves 1/<see cref="VerificationParams.ReputationSmoothing"/> of the way to each sample
/// (integer division, rounding down).
/// </summary>
public static class NodeReputation
{
    public const uint Max = 1_000_000;

    /// <summary>The sample the node's current figures and history give, or null when nothing is measured yet.</summary>
    public static uint? Sample(NodeFigures figures, NodeHistory history, bool canaryMeasured, bool availabilityMeasured)
    {
        ulong weighted = 0, weights = 0;
        if (canaryMeasured) Add(4, figures.CanaryPassPpm);
        if (availabilityMeasured) Add(3, figures.AvailabilityPpm);
        if (figures.ThroughputMflops > 0) Add(2, Math.Min(figures.ThroughputPermille, 1000u) * 1000);
        var leases = (ulong)history.LeasesCompleted + history.LeasesFaulted;
        if (leases > 0) Add(1, (uint)((ulong)history.LeasesCompleted * Max / leases));
        return weights == 0 ? null : (uint)(weighted / weights);

        void Add(ulong weight, uint ppm)
        {
            weighted = checked(weighted + weight * Math.Min(ppm, Max));
            weights += weight;
        }
    }

    /// <summary>The reputation after one more sample: the sample itself the first time, else the moving average.</summary>
    public static uint Next(uint current, bool first, uint sample, uint smoothing) =>
        first ? sample : (uint)(((ulong)current * (smoothing - 1) + sample) / smoothing);
}
