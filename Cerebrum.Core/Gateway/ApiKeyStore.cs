using System.Security.Cryptography;
using System.Text;
using Cerebrum.Core.Common;
using LiteDB;

namespace Cerebrum.Core.Gateway;

/// <summary>
/// The gateway's API keys in <c>DIR/gateway.db</c> (LiteDB; like the model store, one user at a time: the daemon, or the
/// CLI while no daemon runs on the directory). A key is 32 random bytes shown once as <c>cbr_&lt;base64url&gt;</c>; only its
/// SHA-256 is stored, so a leaked database reveals no key. Lookups hit an in-memory index. Thread-safe.
/// </summary>
public sealed class ApiKeyStore : IDisposable
{
    public const string FileName = "gateway.db";
    public const string KeyPrefix = "cbr_";
    private const string Collection = "api_keys";

    private readonly LiteDatabase _database;
    private readonly ILiteCollection<KeyDocument> _keys;
    private readonly Lock _gate = new();
    private Dictionary<string, ApiKey> _byHash;

    /// <exception cref="IOException">The database cannot be opened.</exception>
    public ApiKeyStore(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        _database = LiteDatabaseFile.Open(Path.Combine(dataDirectory, FileName));
        _keys = _database.GetCollection<KeyDocument>(Collection);
        _byHash = Load();
        Usage = new ApiKeyUsageBook(_database);
    }

    /// <summary>What each key's requests have cost (micro-CER) and how many were paid.</summary>
    public ApiKeyUsageBook Usage { get; }

    /// <summary>Creates a key; the returned text is the only time the key exists outside the caller.</summary>
    /// <param name="budget">The most the key's requests may cost in all, in micro-CER; 0 is unlimited.</param>
    /// <exception cref="ArgumentException">The name is empty or taken, or the rate is negative.</exception>
    public (string Key, ApiKey Record) Create(string name, double ratePerSecond, DateTimeOffset now, ulong budget = 0)
    {
        if (budget > long.MaxValue) throw new ArgumentException($"the budget is at most {long.MaxValue} micro-CER");
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("a key needs a name");
        if (ratePerSecond < 0 || double.IsNaN(ratePerSecond) || double.IsInfinity(ratePerSecond))
            throw new ArgumentException($"the rate must be a number of requests per second, 0 or more, not {ratePerSecond}");
        var key = KeyPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var record = new ApiKey(name.Trim(), Hash(key), ratePerSecond, now, budget);
        lock (_gate)
        {
            if (_keys.FindById(record.Name) is not null)
                throw new ArgumentException($"a key named '{record.Name}' exists already (revoke it first, or pick another name)");
            _keys.Insert(new KeyDocument { Name = record.Name, HashHex = record.HashHex, RatePerSecond = ratePerSecond, CreatedAt = now.UtcDateTime, Budget = (long)budget });
            _byHash = Load();
        }
        return (key, record);
    }

    public IReadOnlyList<ApiKey> List()
    {
        lock (_gate) return [.. _byHash.Values.OrderBy(k => k.Name, StringComparer.Ordinal)];
    }

    /// <returns>False when no key has that name.</returns>
    public bool Revoke(string name)
    {
        lock (_gate)
        {
            var removed = _keys.Delete(name.Trim());
            if (removed) Usage.Remove(name.Trim());
            _byHash = Load();
            return removed;
        }
    }

    /// <summary>The key record for a presented key, or null. Compares hashes, so timing reveals nothing about stored keys.</summary>
    public ApiKey? Find(string presentedKey)
    {
        if (presentedKey.Length is 0 or > 256) return null;
        return Volatile.Read(ref _byHash).TryGetValue(Hash(presentedKey), out var key) ? key : null;
    }

    public int Count => Volatile.Read(ref _byHash).Count;

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public void Dispose() => _database.Dispose();

    private Dictionary<string, ApiKey> Load() =>
        _keys.FindAll().ToDictionary(d => d.HashHex, d => new ApiKey(d.Name, d.HashHex, d.RatePerSecond, new DateTimeOffset(DateTime.SpecifyKind(d.CreatedAt, DateTimeKind.Utc)), (ulong)Math.Max(0, d.Budget)), StringComparer.Ordinal);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed class KeyDocument
    {
        [BsonId]
        public string Name { get; set; } = "";

        public string HashHex { get; set; } = "";

        public double RatePerSecond { get; set; }

        public DateTime CreatedAt { get; set; }

        /// <summary>micro-CER; 0 (and keys stored before budgets existed) is unlimited.</summary>
        public long Budget { get; set; }
    }
}
