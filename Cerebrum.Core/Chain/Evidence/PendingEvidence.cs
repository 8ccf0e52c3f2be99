using Cerebrum.Core.Consensus;

namespace Cerebrum.Core.Chain.Evidence;

/// <summary>
/// Verified evidence waiting for a block, as the mempool is for transactions: one entry per offence (validator and
/// height), at most <see cref="Capacity"/> entries of at most <see cref="EvidenceRules.MaxEvidenceBytes"/> each, in
/// arrival order. Signatures are checked once, on entry; after each block what is now too old or already punished is
/// dropped. Not thread-safe: <see cref="ChainNode"/> serializes access.
/// </summary>
public sealed class PendingEvidence(int capacity)
{
    private readonly Dictionary<string, Entry> _byOffence = new(StringComparer.Ordinal);
    private readonly List<Entry> _order = [];

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    public int Count => _order.Count;

    public bool Contains(DuplicateVoteEvidence evidence) => _byOffence.ContainsKey(EvidenceRules.OffenceKey(evidence));

    /// <summary>Adds verified evidence; false when its offence is already held or the pool is full.</summary>
    public bool Add(DuplicateVoteEvidence evidence, byte[] encoded)
    {
        var key = EvidenceRules.OffenceKey(evidence);
        if (_order.Count >= Capacity || _byOffence.ContainsKey(key)) return false;
        var entry = new Entry(evidence, encoded, key);
        _byOffence.Add(key, entry);
        _order.Add(entry);
        return true;
    }

    /// <summary>The held evidence, oldest first.</summary>
    public IReadOnlyList<Entry> All => _order;

    /// <summary>Drops every entry <paramref name="keep"/> refuses.</summary>
    public int RemoveWhere(Func<Entry, bool> drop)
    {
        var removed = 0;
        foreach (var entry in _order.Where(drop).ToList())
        {
            _order.Remove(entry);
            _byOffence.Remove(entry.OffenceKey);
            removed++;
        }
        return removed;
    }

    public sealed record Entry(DuplicateVoteEvidence Evidence, byte[] Encoded, string OffenceKey);
}
