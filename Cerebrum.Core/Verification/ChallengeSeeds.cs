using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Verification;

/// <summary>
/// The commit-reveal of a challenge: the validator's commitment to its secret seed, and the model seed derived from the
/// revealed seed, the node's nonce, both peer IDs, the shape and the height, so that a model (and so an answer) belongs
/// to one validator, one node and one exchange.
/// </summary>
public static class ChallengeSeeds
{
    public const int SeedSize = 32;
    public const int NonceSize = 32;

    private static readonly byte[] CommitDomain = Encoding.ASCII.GetBytes("cerebrum-challenge-commit/1");
    private static readonly byte[] SeedDomain = Encoding.ASCII.GetBytes("cerebrum-challenge-seed/1");

    /// <summary>SHA-256("cerebrum-challenge-commit/1" || seed).</summary>
    public static byte[] Commit(ReadOnlySpan<byte> seed) => SHA256.HashData([.. CommitDomain, .. seed]);

    /// <summary>
    /// SHA-256("cerebrum-challenge-seed/1" || seed || node nonce || u8 length || validator || u8 length || node ||
    /// rows, width, depth, distinct weights (u32be each) || height (u64be)).
    /// </summary>
    public static byte[] DeriveModelSeed(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> nodeNonce, PeerId validator, PeerId node, ChallengeShape shape, ulong height)
    {
        if (seed.Length != SeedSize) throw new ArgumentException($"a challenge seed has {SeedSize} bytes", nameof(seed));
        if (nodeNonce.Length != NonceSize) throw new ArgumentException($"a node nonce has {NonceSize} bytes", nameof(nodeNonce));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(SeedDomain);
        hash.AppendData(seed);
        hash.AppendData(nodeNonce);
        foreach (var id in new[] { validator, node })
        {
            hash.AppendData([(byte)id.Bytes.Length]);
            hash.AppendData(id.Bytes.Span);
        }
        Span<byte> numbers = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32BigEndian(numbers, (uint)shape.Rows);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[4..], (uint)shape.Width);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[8..], (uint)shape.Depth);
        BinaryPrimitives.WriteUInt32BigEndian(numbers[12..], (uint)shape.DistinctWeights);
        BinaryPrimitives.WriteUInt64BigEndian(numbers[16..], height);
        hash.AppendData(numbers);
        return hash.GetHashAndReset();
    }
}
