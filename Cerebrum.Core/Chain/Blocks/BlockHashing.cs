using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Blocks;

/// <summary>
/// Block hash and tx root. The header's canonical encoding, independent of protobuf, is "cerebrum-header/1" then each
/// field in order (chain id, height, previous hash, time, proposer, tx root, state root, validators hash, last commit
/// hash): strings and bytes as u32be length + bytes, height as u64be, time as i64be. The block hash is its
/// SHA-256. The tx root is the <see cref="MerkleTree"/> root of the
/// transactions (SHA-256 of nothing when the block has none).
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
        return buffer.ToArray();
    }

    public static byte[] HeaderHash(BlockHeader header) => SHA256.HashData(CanonicalHeader(header));

    /// <summary>The hash of a Block encoding (what validators vote for); false when it is not a Block with a header.</summary>
    public static bool TryHashBlock(byte[] blockBytes, out byte[] hash)
    {
        hash = [];
        try
        {
            if (Block.Parser.ParseFrom(blockBytes).Header is not { } header) return false;
            hash = HeaderHash(header);
            return true;
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return false;
        }
    }

    public static byte[] LastCommitHash(ReadOnlySpan<byte> lastCommit) => SHA256.HashData(lastCommit);

    public static byte[] TxRoot(IReadOnlyList<ReadOnlyMemory<byte>> txs) =>
        MerkleTree.ComputeRoot([.. txs.Select(tx => MerkleTree.LeafHash(tx.Span))]);

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
