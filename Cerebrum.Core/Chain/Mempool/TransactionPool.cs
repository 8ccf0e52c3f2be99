using Cerebrum.Core.Chain.Blocks;
using Cerebrum.Core.Chain.State;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Mempool;

/// <summary>
/// Pending transactions, each valid against the committed state plus the pool's earlier transactions (a "check
/// state" overlay, so a sender's next nonce and remaining balance account for what it already has pending).
/// Deduplicated by hash; bounded in count and bytes; when full, the lowest-fee transaction that is the last of its
/// sender's is evicted if the newcomer pays more. Reaped by fee (highest first), a sender's transactions in nonce
/// order. After a block: included and now-invalid transactions are dropped and the rest re-checked in arrival order.
/// Every transaction dropped after admission (evicted, or invalid after a block) is reported with its reason.
/// Not thread-safe: <see cref="ChainNode"/> serializes access.
/// </summary>
public sealed class TransactionPool
{
    private readonly MempoolOptions _options;
    private readonly Action<VerifiedTransaction, ChainError>? _dropped;
    private readonly Dictionary<string, Entry> _byHash = new(StringComparer.Ordinal);
    private readonly Dictionary<PeerId, List<Entry>> _bySender = new();
    private CommittedState _committed;
    private BlockContext _checkContext;
    private StateOverlay _checkState;
    private long _nextSequence;

    /// <param name="dropped">Told of each transaction the pool drops after admitting it, and why.</param>
    public TransactionPool(MempoolOptions options, CommittedState committed, ChainHead head, ChainParams parameters, Action<VerifiedTransaction, ChainError>? dropped = null)
    {
        options.Validate();
        _options = options;
        _dropped = dropped;
        _committed = committed;
        _checkContext = CheckContext(head, parameters);
        _checkState = new StateOverlay(committed);
    }

    public int Count => _byHash.Count;

    public long Bytes { get; private set; }

    public bool Contains(byte[] hash) => _byHash.ContainsKey(Convert.ToHexStringLower(hash));

    /// <summary>How many of <paramref name="sender"/>'s transactions are pending (they take the nonces after the account's).</summary>
    public int CountFrom(PeerId sender) => _bySender.TryGetValue(sender, out var queue) ? queue.Count : 0;

    /// <summary>Admits <paramref name="tx"/> or says precisely why not.</summary>
    public ChainError? Add(VerifiedTransaction tx)
    {
        if (_byHash.ContainsKey(tx.HashHex))
            return new ChainError(ChainErrorCode.DuplicateTransaction, $"transaction {tx.HashHex} is already pending");
        if (tx.Size > _options.MaxBytes)
            return new ChainError(ChainErrorCode.MempoolFull, $"transaction of {tx.Size} bytes exceeds the pool's {_options.MaxBytes} bytes");
        var victims = new List<Entry>();
        var count = Count;
        var bytes = Bytes;
        while (count + 1 > _options.MaxTransactions || bytes + tx.Size > _options.MaxBytes)
        {
            var victim = CheapestTail(tx.Sender, victims);
            if (victim is null || victim.Transaction.Body.Fee >= tx.Body.Fee)
                return new ChainError(ChainErrorCode.MempoolFull, $"pool is full ({count} transactions, {bytes} bytes) and fee {tx.Body.Fee} does not beat the lowest evictable fee");
            victims.Add(victim);
            count--;
            bytes -= victim.Transaction.Size;
        }
        if (victims.Count == 0)
        {
            if (TransactionExecutor.Apply(_checkState, _checkContext, tx) is { } refused) return refused;
            Insert(tx);
            return null;
        }
        // Check against the state without the victims first, so a refused newcomer evicts nothing.
        var trial = new StateOverlay(_committed);
        var trialContext = new BlockContext(_checkContext.Height, _checkContext.TimeUnixMs, null, _checkContext.Params);
        var evicted = victims.ToHashSet();
        foreach (var entry in _byHash.Values.Where(e => !evicted.Contains(e)).OrderBy(e => e.Sequence))
            TransactionExecutor.Apply(trial, trialContext, entry.Transaction);
        if (TransactionExecutor.Apply(trial, trialContext, tx) is { } error) return error;
        foreach (var victim in victims)
        {
            Remove(victim);
            _dropped?.Invoke(victim.Transaction, new ChainError(ChainErrorCode.MempoolFull,
                $"evicted from a full mempool by a transaction paying a higher fee than {victim.Transaction.Body.Fee}"));
        }
        Insert(tx);
        Recheck();
        return null;
    }

    /// <summary>Whether <see cref="Add"/> would admit <paramref name="tx"/> now (size and capacity aside), without admitting it.</summary>
    public ChainError? Check(VerifiedTransaction tx)
    {
        if (_byHash.ContainsKey(tx.HashHex))
            return new ChainError(ChainErrorCode.DuplicateTransaction, $"transaction {tx.HashHex} is already pending");
        var context = new BlockContext(_checkContext.Height, _checkContext.TimeUnixMs, null, _checkContext.Params) { FeesCollected = _checkContext.FeesCollected };
        return TransactionExecutor.Apply(new StateOverlay(_checkState), context, tx);
    }

    /// <summary>Up to a block's worth: highest fee first (ties: earliest arrival), each sender's in nonce order.</summary>
    public IReadOnlyList<VerifiedTransaction> Reap(int maxTransactions, long maxBytes)
    {
        var result = new List<VerifiedTransaction>();
        var heads = new PriorityQueue<(List<Entry> Queue, int Index), (ulong NegatedFee, long Sequence)>();
        foreach (var queue in _bySender.Values)
            heads.Enqueue((queue, 0), Priority(queue[0]));
        var bytes = 0L;
        while (result.Count < maxTransactions && heads.TryDequeue(out var head, out _))
        {
            var entry = head.Queue[head.Index];
            if (bytes + entry.Transaction.Size > maxBytes) continue;
            result.Add(entry.Transaction);
            bytes += entry.Transaction.Size;
            if (head.Index + 1 < head.Queue.Count)
                heads.Enqueue((head.Queue, head.Index + 1), Priority(head.Queue[head.Index + 1]));
        }
        return result;
    }

    /// <summary>After a committed block: drops <paramref name="included"/>, re-checks the rest against the new state, drops what no longer fits.</summary>
    /// <returns>How many transactions were dropped for being invalid now.</returns>
    public int Update(CommittedState committed, ChainHead head, ChainParams parameters, IEnumerable<byte[]> included)
    {
        foreach (var hash in included)
            if (_byHash.GetValueOrDefault(Convert.ToHexStringLower(hash)) is { } entry)
                Remove(entry);
        _committed = committed;
        _checkContext = CheckContext(head, parameters);
        return Recheck();
    }

    private int Recheck()
    {
        _checkState = new StateOverlay(_committed);
        _checkContext.FeesCollected = 0;
        var dropped = 0;
        var failedSenders = new HashSet<PeerId>();
        foreach (var entry in _byHash.Values.OrderBy(e => e.Sequence).ToList())
        {
            var error = failedSenders.Contains(entry.Transaction.Sender)
                ? new ChainError(ChainErrorCode.WrongNonce, $"dropped: an earlier pending transaction of the same sender was dropped, so nonce {entry.Transaction.Body.Nonce} is no longer the next")
                : TransactionExecutor.Apply(_checkState, _checkContext, entry.Transaction);
            if (error is not null)
            {
                failedSenders.Add(entry.Transaction.Sender);
                Remove(entry);
                _dropped?.Invoke(entry.Transaction, error);
                dropped++;
            }
        }
        return dropped;
    }

    private Entry? CheapestTail(PeerId newcomer, List<Entry> alreadyChosen)
    {
        Entry? cheapest = null;
        foreach (var (sender, queue) in _bySender)
        {
            if (sender == newcomer) continue;
            // The sender's last transaction not already chosen: evicting it leaves no nonce gap.
            var remaining = queue.Count - queue.Count(alreadyChosen.Contains);
            if (remaining == 0) continue;
            var tail = queue[remaining - 1];
            if (cheapest is null || tail.Transaction.Body.Fee < cheapest.Transaction.Body.Fee
                || (tail.Transaction.Body.Fee == cheapest.Transaction.Body.Fee && tail.Sequence > cheapest.Sequence))
                cheapest = tail;
        }
        return cheapest;
    }

    private void Insert(VerifiedTransaction tx)
    {
        var entry = new Entry(tx, _nextSequence++);
        _byHash.Add(tx.HashHex, entry);
        if (!_bySender.TryGetValue(tx.Sender, out var queue)) _bySender[tx.Sender] = queue = [];
        queue.Add(entry);
        Bytes += tx.Size;
    }

    private void Remove(Entry entry)
    {
        if (!_byHash.Remove(entry.Transaction.HashHex)) return;
        var queue = _bySender[entry.Transaction.Sender];
        queue.Remove(entry);
        if (queue.Count == 0) _bySender.Remove(entry.Transaction.Sender);
        Bytes -= entry.Transaction.Size;
    }

    private static (ulong, long) Priority(Entry entry) => (ulong.MaxValue - entry.Transaction.Body.Fee, entry.Sequence);

    private static BlockContext CheckContext(ChainHead head, ChainParams parameters) => new(head.Height + 1, head.LastTimeUnixMs, null, parameters);

    private sealed record Entry(VerifiedTransaction Transaction, long Sequence);
}
