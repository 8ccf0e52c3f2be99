namespace Cerebrum.Core.Network.Protocols.Kademlia;

/// <summary>
/// Value records (PUT_VALUE / GET_VALUE) this node holds: only for namespaces it has a validator for (a record no
/// validator vouches for is refused, so the DHT is not free storage), each value within the size limit, the count
/// bounded, and a newer value replacing an older one only when the validator prefers it. Not thread-safe.
/// </summary>
public sealed class RecordStore
{
    private readonly KademliaOptions _options;
    private readonly Dictionary<string, IRecordValidator> _validators = new(StringComparer.Ordinal);
    private readonly Dictionary<string, KademliaRecord> _records = new(StringComparer.Ordinal);

    public RecordStore(KademliaOptions options, IEnumerable<IRecordValidator> validators)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(validators);
        _options = options;
        foreach (var validator in validators)
            _validators[validator.Namespace] = validator;
    }

    public int Count => _records.Count;

    /// <summary>Null when <paramref name="record"/> is valid for its namespace and size, else why not.</summary>
    public string? Validate(KademliaRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Value.Length > _options.MaxRecordValueSize)
            return $"record value of {record.Value.Length} bytes (at most {_options.MaxRecordValueSize})";
        if (ValidatorFor(record.Key.Span) is not { } validator)
            return "no validator for the record's namespace";
        return validator.Validate(record.Key.Span, record.Value.Span);
    }

    /// <summary>Stores a record after validating it; null when stored, else why not.</summary>
    public string? Put(KademliaRecord record)
    {
        if (Validate(record) is { } error)
            return error;
        var name = Convert.ToHexString(record.Key.Span);
        if (_records.TryGetValue(name, out var held))
        {
            var validator = ValidatorFor(record.Key.Span)!;
            if (validator.Select(record.Key.Span, [held.Value, record.Value]) == 0)
                return null; // ours is at least as good: keep it
        }
        else if (_records.Count >= _options.MaxRecords)
        {
            return "the record store is full";
        }
        _records[name] = record;
        return null;
    }

    public KademliaRecord? Get(ReadOnlySpan<byte> key) => _records.GetValueOrDefault(Convert.ToHexString(key));

    private IRecordValidator? ValidatorFor(ReadOnlySpan<byte> key)
    {
        // Keys are /<namespace>/<rest>; the namespace is ASCII.
        if (key.Length < 3 || key[0] != (byte)'/')
            return null;
        var end = key[1..].IndexOf((byte)'/');
        if (end <= 0)
            return null;
        var ns = System.Text.Encoding.ASCII.GetString(key.Slice(1, end));
        return _validators.GetValueOrDefault(ns);
    }
}
