using System.Security.Cryptography;

namespace Cerebrum.Core.Crypto;

/// <summary>
/// A binary Merkle tree of SHA-256 over leaves SHA-256(0x00 || data), inner nodes SHA-256(0x01 || left || right), an
/// odd last node promoted unchanged to the next level; the root of no leaves is SHA-256 of nothing. A tree is built
/// once from its leaf hashes and then answers inclusion proofs; <see cref="Verify"/> checks one without the tree.
/// </summary>
public sealed class MerkleTree
{
    private readonly List<byte[][]> _levels;

    private MerkleTree(List<byte[][]> levels) => _levels = levels;

    public byte[] Root => _levels[^1].Length == 0 ? SHA256.HashData([]) : _levels[^1][0];

    public int LeafCount => _levels[0].Length;

    public static byte[] LeafHash(ReadOnlySpan<byte> data)
    {
        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData([0x00]);
        hash.AppendData(data);
        return hash.GetHashAndReset();
    }

    /// <summary>The tree over <paramref name="leafHashes"/> (each from <see cref="LeafHash"/>), in order.</summary>
    public static MerkleTree Build(IReadOnlyList<byte[]> leafHashes)
    {
        var levels = new List<byte[][]> { leafHashes.ToArray() };
        while (levels[^1].Length > 1)
        {
            var level = levels[^1];
            var next = new byte[(level.Length + 1) / 2][];
            for (var i = 0; i < next.Length; i++)
                next[i] = 2 * i + 1 < level.Length ? Inner(level[2 * i], level[2 * i + 1]) : level[2 * i];
            levels.Add(next);
        }
        return new MerkleTree(levels);
    }

    /// <summary>The root alone.</summary>
    public static byte[] ComputeRoot(IReadOnlyList<byte[]> leafHashes) => Build(leafHashes).Root;

    /// <summary>The sibling hashes from leaf <paramref name="index"/> up; none at levels where its node was promoted unpaired.</summary>
    public byte[][] Proof(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, LeafCount);
        var proof = new List<byte[]>();
        for (var l = 0; l < _levels.Count - 1; l++)
        {
            var sibling = index ^ 1;
            if (sibling < _levels[l].Length) proof.Add(_levels[l][sibling]);
            index >>= 1;
        }
        return [.. proof];
    }

    /// <summary>Whether <paramref name="leafHash"/> is leaf <paramref name="index"/> of <paramref name="count"/> under <paramref name="root"/>.</summary>
    public static bool Verify(ReadOnlySpan<byte> root, int index, int count, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof)
    {
        if (index < 0 || index >= count) return false;
        var current = leafHash.ToArray();
        var used = 0;
        for (var width = count; width > 1; width = (width + 1) / 2)
        {
            var sibling = index ^ 1;
            if (sibling < width)
            {
                if (used >= proof.Count || proof[used].Length != 32) return false;
                current = (index & 1) == 0 ? Inner(current, proof[used]) : Inner(proof[used], current);
                used++;
            }
            index >>= 1;
        }
        return used == proof.Count && root.SequenceEqual(current);
    }

    private static byte[] Inner(byte[] left, byte[] right)
    {
        Span<byte> buffer = stackalloc byte[1 + left.Length + right.Length];
        buffer[0] = 0x01;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + left.Length)..]);
        return SHA256.HashData(buffer);
    }
}
