using System.Collections.Concurrent;
using LiteDB;

namespace Cerebrum.Core.Gateway;

/// <summary>
/// Usage per API key in micro-CER: requests paid and what they cost, counted in memory as requests end (no write on the
/// request's path) and written to <c>gateway.db</c> by <see cref="Flush"/> (every few seconds and at shutdown). The money
/// itself is in the payment channels, whose vouchers the node persists before it answers; this is the gateway's account
/// of who spent it, so a crash can at most forget the last few seconds of a key's usage, never pay anything twice.
/// </summary>
public sealed class ApiKeyUsageBook
{
    private const string Collection = "api_key_usage";

    private readonly ILiteCollection<UsageDocument> _usage;
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);

    internal ApiKeyUsageBook(LiteDatabase database)
    {
        _usage = database.GetCollection<UsageDocument>(Collection);
        foreach (var document in _usage.FindAll())
            _counters[document.Name] = new Counter { Requests = document.Requests, Spent = document.Spent, Saved = true };
    }

    /// <summary>Counts one request of key <paramref name="name"/> that cost <paramref name="spent"/> micro-CER.</summary>
    public void Record(string name, ulong spent)
    {
        var counter = _counters.GetOrAdd(name, static _ => new Counter());
        lock (counter)
        {
            counter.Requests = checked(counter.Requests + 1);
            counter.Spent = checked(counter.Spent + (long)spent);
            counter.Saved = false;
        }
    }

    /// <summary>What key <paramref name="name"/> has spent, in micro-CER.</summary>
    public ulong Spent(string name)
    {
        if (!_counters.TryGetValue(name, out var counter)) return 0;
        lock (counter) return (ulong)counter.Spent;
    }

    /// <summary>Every key's usage, by name: (requests, micro-CER spent).</summary>
    public IReadOnlyDictionary<string, (long Requests, ulong Spent)> Snapshot()
    {
        var snapshot = new Dictionary<string, (long, ulong)>(StringComparer.Ordinal);
        foreach (var (name, counter) in _counters)
            lock (counter) snapshot[name] = (counter.Requests, (ulong)counter.Spent);
        return snapshot;
    }

    /// <summary>Writes the counters changed since the last flush.</summary>
    public void Flush()
    {
        foreach (var (name, counter) in _counters)
        {
            UsageDocument document;
            lock (counter)
            {
                if (counter.Saved) continue;
                counter.Saved = true;
                document = new UsageDocument { Name = name, Requests = counter.Requests, Spent = counter.Spent };
            }
            _usage.Upsert(document);
        }
    }

    /// <summary>Forgets a revoked key's usage.</summary>
    internal void Remove(string name)
    {
        _counters.TryRemove(name, out _);
        _usage.Delete(name);
    }

    private sealed class Counter
    {
        public long Requests;
        public long Spent;
        public bool Saved;
    }

    private sealed class UsageDocument
    {
        [BsonId]
        public string Name { get; set; } = "";

        public long Requests { get; set; }

        public long Spent { get; set; }
    }
}
