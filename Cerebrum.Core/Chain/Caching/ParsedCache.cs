using System.Collections.Concurrent;

namespace Cerebrum.Core.Chain.Caching;

/// <summary>
/// Values parsed from bytes, keyed by those exact bytes, for parses that are pure functions of their input (a sender's
/// secp256k1 key needs a point decompression; a peer ID's text a base58 encoding). Thread-safe; bounded by emptying
/// itself when full, which costs only re-parsing. Failed parses are not cached: the parser's exception propagates.
/// </summary>
internal sealed class ParsedCache<T> where T : class
{
    private readonly ConcurrentDictionary<byte[], T> _entries = new(ByteContentComparer.Instance);
    private readonly ConcurrentDictionary<byte[], T>.AlternateLookup<ReadOnlySpan<byte>> _bySpan;
    private readonly int _capacity;

    public ParsedCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public int Count => _entries.Count;

    public T GetOrParse(ReadOnlySpan<byte> bytes, ParseFunc parse)
    {
        if (_bySpan.TryGetValue(bytes, out var cached)) return cached;
        var value = parse(bytes);
        if (_entries.Count >= _capacity) _entries.Clear();
        _bySpan.TryAdd(bytes, value);
        return value;
    }

    public delegate T ParseFunc(ReadOnlySpan<byte> bytes);
}
