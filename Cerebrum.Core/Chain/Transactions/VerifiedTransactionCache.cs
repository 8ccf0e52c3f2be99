using Cerebrum.Core.Chain.Caching;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>
/// Transactions this node has already decoded and whose signatures it has checked, by hash, so that the same bytes
/// arriving again (in a proposal or a synced block after gossip, or by gossip after the block) are not verified again.
/// A hit requires the exact same bytes, not only the same hash. Bounded: the oldest entries go first. Thread-safe.
/// One per <see cref="ChainNode"/>: an entry was checked against that node's chain id and limits.
/// </summary>
public sealed class VerifiedTransactionCache
{
    private readonly Lock _gate = new();
    private readonly Dictionary<byte[], VerifiedTransaction> _byHash = new(ByteContentComparer.Instance);
    private readonly Queue<byte[]> _order = new();

    public VerifiedTransactionCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count
    {
        get
        {
            lock (_gate) return _byHash.Count;
        }
    }

    /// <summary>The verified transaction with exactly these bytes (whose hash is <paramref name="hash"/>), if cached.</summary>
    public VerifiedTransaction? Find(byte[] hash, ReadOnlySpan<byte> encoded)
    {
        VerifiedTransaction? cached;
        lock (_gate) cached = _byHash.GetValueOrDefault(hash);
        return cached is not null && encoded.SequenceEqual(cached.Encoded) ? cached : null;
    }

    public void Add(VerifiedTransaction transaction)
    {
        lock (_gate)
        {
            if (!_byHash.TryAdd(transaction.Hash, transaction)) return;
            _order.Enqueue(transaction.Hash);
            while (_order.Count > Capacity) _byHash.Remove(_order.Dequeue());
        }
    }
}
