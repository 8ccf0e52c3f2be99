using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Cerebrum.Core.Chain.State;

/// <summary>
/// The state root: a two-level hash tree that stays cheap to update. Each entry's leaf hash is
/// SHA-256(u32be keyLength || UTF-8 key || value encoding) and is cached. Entries fall into
/// <see cref="BucketCount"/> buckets by the first two bytes of SHA-256(key); a bucket's hash is SHA-256 of its leaf
/// hashes in ordinal key order (32 zero bytes when empty), and the root is SHA-256 of the bucket hashes in bucket
/// order. A block rehashes only the buckets it touched, plus the 32 KiB of bucket hashes.
/// </summary>
public sealed class StateTree
{
    public const int BucketCount = 1024;
    private static readonly byte[] EmptyBucketHash = new byte[32];

    private readonly SortedDictionary<string, byte[]>?[] _buckets = new SortedDictionary<string, byte[]>?[BucketCount];
    private readonly byte[] _bucketHashes = new byte[BucketCount * 32];

    public StateTree() => Root = HashRoot(_bucketHashes);

    public byte[] Root { get; private set; }

    public int Count { get; private set; }

    public static byte[] LeafHash(string key, ReadOnlySpan<byte> encoded)
    {
        var keyBytes = Encoding.UTF8.GetBytes(key);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)keyBytes.Length);
        hash.AppendData(length);
        hash.AppendData(keyBytes);
        hash.AppendData(encoded);
        return hash.GetHashAndReset();
    }

    public static int BucketOf(string key)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), digest);
        return ((digest[0] << 8) | digest[1]) % BucketCount;
    }

    /// <summary>Adds entries without rehashing; call <see cref="Rehash"/> after the last one (used when loading).</summary>
    public void Load(string key, byte[] leafHash)
    {
        var bucket = _buckets[BucketOf(key)] ??= new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        if (bucket.TryAdd(key, leafHash)) Count++;
        else bucket[key] = leafHash;
    }

    /// <summary>Recomputes every bucket and the root.</summary>
    public void Rehash()
    {
        for (var i = 0; i < BucketCount; i++)
            HashBucket(_buckets[i]).CopyTo(_bucketHashes.AsSpan(i * 32));
        Root = HashRoot(_bucketHashes);
    }

    /// <summary>The root the tree would have after <paramref name="changes"/>, leaving the tree as it is.</summary>
    public byte[] ComputeRoot(StateChangeSet changes)
    {
        if (changes.Changes.Count == 0) return Root;
        var hashes = (byte[])_bucketHashes.Clone();
        foreach (var group in changes.Changes.GroupBy(c => BucketOf(c.Key)))
        {
            var bucket = _buckets[group.Key] is { } existing
                ? new SortedDictionary<string, byte[]>(existing, StringComparer.Ordinal)
                : new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var change in group)
                Put(bucket, change);
            HashBucket(bucket).CopyTo(hashes.AsSpan(group.Key * 32));
        }
        return HashRoot(hashes);
    }

    /// <summary>Applies <paramref name="changes"/> and returns the new root.</summary>
    public byte[] Apply(StateChangeSet changes)
    {
        if (changes.Changes.Count == 0) return Root;
        foreach (var group in changes.Changes.GroupBy(c => BucketOf(c.Key)))
        {
            var bucket = _buckets[group.Key] ??= new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var change in group)
            {
                var before = bucket.Count;
                Put(bucket, change);
                Count += bucket.Count - before;
            }
            HashBucket(bucket).CopyTo(_bucketHashes.AsSpan(group.Key * 32));
        }
        Root = HashRoot(_bucketHashes);
        return Root;
    }

    private static void Put(SortedDictionary<string, byte[]> bucket, StateChange change)
    {
        if (change.LeafHash is null) bucket.Remove(change.Key);
        else bucket[change.Key] = change.LeafHash;
    }

    private static byte[] HashBucket(SortedDictionary<string, byte[]>? bucket)
    {
        if (bucket is null || bucket.Count == 0) return EmptyBucketHash;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var leaf in bucket.Values)
            hash.AppendData(leaf);
        return hash.GetHashAndReset();
    }

    private static byte[] HashRoot(byte[] bucketHashes) => SHA256.HashData(bucketHashes);
}
