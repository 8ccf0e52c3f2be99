using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Consensus;

/// <summary>
/// Verified equivocation evidence waiting to be turned into slashing transactions: one entry per (validator, height,
/// round, type), at most <see cref="Capacity"/> entries (further evidence is dropped, the oldest kept). Thread-safe,
/// so the chain can read it while consensus adds to it.
/// </summary>
public sealed class EvidencePool
{
    private readonly Lock _lock = new();
    private readonly List<DuplicateVoteEvidence> _pending = [];
    private readonly HashSet<(PeerId, long, int, VoteType)> _keys = [];

    public EvidencePool(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count
    {
        get
        {
            lock (_lock) return _pending.Count;
        }
    }

    /// <summary>Adds evidence unless the same offence is already held or the pool is full.</summary>
    public bool Add(DuplicateVoteEvidence evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        lock (_lock)
        {
            if (_pending.Count >= Capacity) return false;
            if (!_keys.Add((evidence.Validator, evidence.Height, evidence.Round, evidence.Type))) return false;
            _pending.Add(evidence);
            return true;
        }
    }

    /// <summary>A snapshot of the evidence held.</summary>
    public IReadOnlyList<DuplicateVoteEvidence> GetPending()
    {
        lock (_lock) return [.. _pending];
    }

    /// <summary>Forgets evidence once it has been committed (e.g. as a Slash transaction).</summary>
    public bool Remove(DuplicateVoteEvidence evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        lock (_lock)
        {
            var index = _pending.IndexOf(evidence);
            if (index < 0) return false;
            _pending.RemoveAt(index);
            _keys.Remove((evidence.Validator, evidence.Height, evidence.Round, evidence.Type));
            return true;
        }
    }
}
