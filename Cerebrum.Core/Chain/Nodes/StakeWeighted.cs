namespace Cerebrum.Core.Chain.Nodes;

/// <summary>Integer stake-weighted statistics over validators' figures: what the ledger records instead of any one validator's number.</summary>
public static class StakeWeighted
{
    /// <summary>
    /// The lower weighted median: the smallest value whose cumulative weight (values in ascending order) reaches half
    /// the total. Validators with more than half the weight agreeing below (or above) a value decide it. 0 when empty.
    /// </summary>
    public static ulong Median(IReadOnlyList<(ulong Value, ulong Weight)> samples)
    {
        UInt128 total = 0;
        foreach (var (_, weight) in samples) total += weight;
        if (total == 0) return 0;
        UInt128 cumulative = 0;
        foreach (var (value, weight) in samples.OrderBy(s => s.Value))
        {
            cumulative += weight;
            if (cumulative * 2 >= total) return value;
        }
        throw new InvalidOperationException("unreachable: the weights sum to the total");
    }
}
