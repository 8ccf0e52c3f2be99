using System.Buffers.Binary;
using System.Text;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Validators;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Tests.Chain;

/// <summary>
/// A real (if simple) commit format for tests, standing in for consensus's: a list of (public key, secp256k1
/// signature over "test-commit:" || u64be height || block hash), each entry u16be-length-prefixed.
/// </summary>
public static class TestCommits
{
    public static byte[] SignBytes(ulong height, ReadOnlySpan<byte> blockHash)
    {
        var bytes = new byte[12 + 8 + blockHash.Length];
        Encoding.ASCII.GetBytes("test-commit:").CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(12), height);
        blockHash.CopyTo(bytes.AsSpan(20));
        return bytes;
    }

    public static byte[] Create(ulong height, ReadOnlySpan<byte> blockHash, IEnumerable<PrivateKey> signers)
    {
        using var buffer = new MemoryStream();
        var message = SignBytes(height, blockHash);
        foreach (var signer in signers)
        {
            Write(buffer, signer.PublicKey.ToProtobuf());
            Write(buffer, signer.Sign(message));
        }
        return buffer.ToArray();
    }

    private static void Write(MemoryStream buffer, byte[] bytes)
    {
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)bytes.Length);
        buffer.Write(length);
        buffer.Write(bytes);
    }
}

/// <summary>Accepts a <see cref="TestCommits"/> commit only when validators with more than 2/3 of the power signed it correctly.</summary>
public sealed class TestCommitVerifier : ICommitVerifier
{
    public int Calls { get; private set; }

    public CommitVerification Verify(ReadOnlySpan<byte> commit, ulong height, ReadOnlySpan<byte> blockHash, ValidatorSet validators)
    {
        Calls++;
        var message = TestCommits.SignBytes(height, blockHash);
        var signed = new HashSet<PeerId>();
        ulong power = 0;
        while (!commit.IsEmpty)
        {
            if (!TryRead(ref commit, out var keyBytes) || !TryRead(ref commit, out var signature))
                return CommitVerification.Invalid("truncated commit");
            PublicKey key;
            try
            {
                key = PublicKey.FromProtobuf(keyBytes);
            }
            catch (Exception e) when (e is FormatException or NotSupportedException)
            {
                return CommitVerification.Invalid($"bad key: {e.Message}");
            }
            var validator = validators.Find(key.ToPeerId());
            if (validator is null) return CommitVerification.Invalid($"{key.ToPeerId()} is not a validator");
            if (!signed.Add(validator.PeerId)) return CommitVerification.Invalid($"{validator.PeerId} signed twice");
            if (!key.Verify(message, signature)) return CommitVerification.Invalid($"signature of {validator.PeerId} does not verify");
            power += validator.Power;
        }
        return validators.IsQuorum(power) ? CommitVerification.Valid : CommitVerification.Invalid($"signed power {power} of {validators.TotalPower} is not above 2/3");
    }

    private static bool TryRead(ref ReadOnlySpan<byte> input, out ReadOnlySpan<byte> field)
    {
        field = default;
        if (input.Length < 2) return false;
        var length = BinaryPrimitives.ReadUInt16BigEndian(input);
        if (input.Length < 2 + length) return false;
        field = input.Slice(2, length);
        input = input[(2 + length)..];
        return true;
    }
}
