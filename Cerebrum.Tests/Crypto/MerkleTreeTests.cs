using System.Security.Cryptography;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Tests.Crypto;

/// <summary>The Merkle tree against a straightforward recursive definition, and its inclusion proofs.</summary>
[TestFixture]
public sealed class MerkleTreeTests
{
    [Test]
    public void Root_MatchesTheRecursiveDefinition_ForEverySizeUpTo33()
    {
        for (var count = 0; count <= 33; count++)
        {
            var leaves = Leaves(count);
            Assert.That(MerkleTree.ComputeRoot([.. leaves.Select(l => MerkleTree.LeafHash(l))]), Is.EqualTo(ReferenceRoot(leaves)), $"{count} leaves");
        }
    }

    [Test]
    public void EveryProof_Verifies_AndNothingElseDoes()
    {
        foreach (var count in new[] { 1, 2, 3, 5, 8, 13, 31 })
        {
            var leaves = Leaves(count);
            var tree = MerkleTree.Build([.. leaves.Select(l => MerkleTree.LeafHash(l))]);
            for (var i = 0; i < count; i++)
            {
                var proof = tree.Proof(i);
                var leaf = MerkleTree.LeafHash(leaves[i]);
                Assert.That(MerkleTree.Verify(tree.Root, i, count, leaf, proof), Is.True, $"leaf {i} of {count}");
                Assert.That(MerkleTree.Verify(tree.Root, i, count, MerkleTree.LeafHash([.. leaves[i], 1]), proof), Is.False, "another leaf");
                if (count > 1)
                {
                    Assert.That(MerkleTree.Verify(tree.Root, (i + 1) % count, count, leaf, proof), Is.False, "another position");
                    Assert.That(MerkleTree.Verify(tree.Root, i, count, leaf, proof[..^1]), Is.False, "a shortened proof");
                }
                Assert.That(MerkleTree.Verify(tree.Root, i, count, leaf, [.. proof, new byte[32]]), Is.False, "a lengthened proof");
            }
            Assert.That(MerkleTree.Verify(tree.Root, count, count, MerkleTree.LeafHash(leaves[0]), tree.Proof(0)), Is.False, "an index past the end");
        }
    }

    private static List<byte[]> Leaves(int count) => [.. Enumerable.Range(0, count).Select(i => new[] { (byte)i, (byte)(i * 7) })];

    // Split at the largest power of two below the count: the same tree as pairing level by level and promoting an odd
    // last node, computed another way.
    private static byte[] ReferenceRoot(List<byte[]> leaves)
    {
        if (leaves.Count == 0) return SHA256.HashData([]);
        if (leaves.Count == 1) return SHA256.HashData([0x00, .. leaves[0]]);
        var split = 1;
        while (split * 2 < leaves.Count) split *= 2;
        return SHA256.HashData([0x01, .. ReferenceRoot(leaves[..split]), .. ReferenceRoot(leaves[split..])]);
    }
}
