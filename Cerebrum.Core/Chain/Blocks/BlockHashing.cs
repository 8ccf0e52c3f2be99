using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Common;

namespace Cerebrum.Core.Chain.Blocks;

/// <summary>
/// Block hash and tx root. The header's canonical encoding, independent of protobuf, is "cerebrum-header/1" then each
/// field in order (chain id, height, previous hash, time, proposer, tx root, state root, validators hash, last commit
/// hash, then the evidence hash only when the block carries evidence, so blocks without any hash as before): strings
/// and bytes as u32be length + bytes, height as u64be, time as i64be. The block hash is its SHA-256. The tx root is a binary Merkle tree over SHA-256(0x00 || tx) leaves, inner nodes SHA-256(0x01 || l || r),
/// an odd last node promoted unchanged; SHA-256 of nothing when the block has no transactions.
/// </summary>
public static class BlockHashing
{
    private static readonly byte[] HeaderDomain = Encoding.ASCII.GetBytes("cerebrum-header/1");

    public static byte[] CanonicalHeader(BlockHeader header)
    {
        using var buffer = new MemoryStream();
        buffer.Write(HeaderDomain);
        WriteBytes(buffer, Encoding.UTF8.GetBytes(header.ChainId));
        WriteUInt64(buffer, header.Height);
        WriteBytes(buffer, header.PreviousHash.Span);
        WriteUInt64(buffer, (ulong)header.TimeUnixMs);
        WriteBytes(buffer, header.Proposer.Span);
        WriteBytes(buffer, header.TxRoot.Span);
        WriteBytes(buffer, header.StateRoot.Span);
        WriteBytes(buffer, header.ValidatorsHash.Span);
        WriteBytes(buffer, header.LastCommitHash.Span);
        if (!header.EvidenceHash.IsEmpty) WriteBytes(buffer, header.EvidenceHash.Span);
        return buffer.ToArray();
    }

    public static byte[] HeaderHash(BlockHeader header) => SHA256.HashData(CanonicalHeader(header));

    /// <summary>
    /// The hash of a Block encoding (what validators vote for), binding every byte of it: false unless the bytes are the
    /// canonical encoding of a Block with a header whose tx root and last commit hash match the block's own
    /// transactions and last commit. So no one can keep a proposal's signed value id and swap the block's body.
    /// </summary>
    public static bool TryHashBlock(ReadOnlySpan<byte> blockBytes, out byte[] hash)
    {
        hash = [];
        if (!CanonicalProtobuf.TryParse(Block.Parser, blockBytes, out var block, out _) || block!.Header is not { } header) return false;
        if (!header.TxRoot.Span.SequenceEqual(TxRoot([.. block.Txs.Select(t => t.Memory)]))) return false;
        if (!header.LastCommitHash.Span.SequenceEqual(LastCommitHash(block.LastCommit.Span))) return false;
        if (!header.EvidenceHash.Span.SequenceEqual(EvidenceHash(block))) return false;
        hash = HeaderHash(header);
        return true;
    }

    public static byte[] LastCommitHash(ReadOnlySpan<byte> lastCommit) => SHA256.HashData(lastCommit);

    /// <summary>The Merkle root of the block's evidence (as <see cref="TxRoot"/>), or empty when it carries none.</summary>
    public static byte[] EvidenceHash(Block block) =>
        block.Evidence.Count == 0 ? [] : TxRoot([.. block.Evidence.Select(e => e.Memory)]);

    public static byte[] TxRoot(IReadOnlyList<ReadOnlyMemory<byte>> txs)
    {
        if (txs.Count == 0) return SHA256.HashData([]);
        var level = new List<byte[]>(txs.Count);
        foreach (var tx in txs)
            level.Add(SHA256.HashData([0x00, .. tx.Span]));
        while (level.Count > 1)
        {
            var next = new List<byte[]>((level.Count + 1) / 2);
            for (var i = 0; i < level.Count; i += 2)
                next.Add(i + 1 < level.Count ? SHA256.HashData([0x01, .. level[i], .. level[i + 1]]) : level[i]);
            level = next;
        }
        return level[0];
    }

    private static void WriteBytes(MemoryStream buffer, ReadOnlySpan<byte> bytes)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)bytes.Length);
        buffer.Write(length);
        buffer.Write(bytes);
    }

    private static void WriteUInt64(MemoryStream buffer, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        buffer.Write(bytes);
    }
}
