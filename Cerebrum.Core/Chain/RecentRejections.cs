namespace Cerebrum.Core.Chain;

/// <summary>
/// The rejections this node gave lately, by transaction hash (at submission, on gossip, or when the mempool dropped a
/// transaction that a block made invalid), so that a transaction's fate can be told: refused, and why, rather than
/// never seen. Bounded in count: the oldest record gives way, so a flood of invalid transactions can push a record out
/// (its status is then unknown) but never grow memory. Not thread-safe: <see cref="ChainNode"/> serializes access.
/// </summary>
public sealed class RecentRejections
{
    /// <summary>About 1 MiB of records at most: hash, code and a message of up to <see cref="MaxMessageLength"/> characters each.</summary>
    public const int DefaultCapacity = 4096;

    private const int MaxMessageLength = 200;

    private readonly int _capacity;
    private readonly Dictionary<string, ChainError> _byHash = new(StringComparer.Ordinal);
    private readonly Queue<string> _oldestFirst = new();

    public RecentRejections(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public int Count => _byHash.Count;

    /// <summary>Records (or replaces) the rejection of the transaction with lowercase hex hash <paramref name="hashHex"/>.</summary>
    public void Record(string hashHex, ChainError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error.Message.Length > MaxMessageLength)
            error = error with { Message = error.Message[..MaxMessageLength] + "…" };
        if (_byHash.TryAdd(hashHex, error))
        {
            _oldestFirst.Enqueue(hashHex);
            while (_byHash.Count > _capacity)
                _byHash.Remove(_oldestFirst.Dequeue());
        }
        else
        {
            _byHash[hashHex] = error;
        }
    }

    public ChainError? Find(string hashHex) => _byHash.GetValueOrDefault(hashHex);
}
