using System.Buffers.Binary;
using System.Security.Cryptography;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Validators;

/// <summary>
/// The validators deciding one height, ordered by peer ID bytes. Its canonical encoding (hashed into block headers
/// as validators_hash) is, per validator: u32be key length, the libp2p PublicKey protobuf, u64be power.
/// </summary>
public sealed class ValidatorSet
{
    private readonly Dictionary<PeerId, Validator> _byId;

    public ValidatorSet(IEnumerable<Validator> validators)
    {
        Validators = [.. validators.OrderBy(v => v.PeerId.Bytes.ToArray(), ByteOrder.Instance)];
        _byId = Validators.ToDictionary(v => v.PeerId);
        if (_byId.Count != Validators.Count) throw new ArgumentException("a validator is listed twice", nameof(validators));
        foreach (var v in Validators) TotalPower = checked(TotalPower + v.Power);
        Encoded = Encode(Validators);
        Hash = SHA256.HashData(Encoded);
    }

    public IReadOnlyList<Validator> Validators { get; }

    public ulong TotalPower { get; }

    public byte[] Hash { get; }

    public byte[] Encoded { get; }

    public int Count => Validators.Count;

    public Validator? Find(PeerId id) => _byId.GetValueOrDefault(id);

    /// <summary>Power strictly above two thirds of the total: what a commit needs.</summary>
    public bool IsQuorum(ulong power) => (System.Numerics.BigInteger)power * 3 > (System.Numerics.BigInteger)TotalPower * 2;

    /// <exception cref="FormatException">Not an encoding made by this type.</exception>
    public static ValidatorSet Decode(ReadOnlySpan<byte> encoded)
    {
        var validators = new List<Validator>();
        while (!encoded.IsEmpty)
        {
            if (encoded.Length < 4) throw new FormatException("validator set encoding is truncated");
            var length = BinaryPrimitives.ReadUInt32BigEndian(encoded);
            if (length > 1024 || encoded.Length < 4 + (int)length + 8) throw new FormatException("validator set encoding is truncated");
            var key = PublicKey.FromProtobuf(encoded.Slice(4, (int)length));
            var power = BinaryPrimitives.ReadUInt64BigEndian(encoded.Slice(4 + (int)length));
            validators.Add(new Validator(key, power));
            encoded = encoded[(4 + (int)length + 8)..];
        }
        return new ValidatorSet(validators);
    }

    private static byte[] Encode(IReadOnlyList<Validator> validators)
    {
        using var buffer = new MemoryStream();
        Span<byte> number = stackalloc byte[8];
        foreach (var v in validators)
        {
            var key = v.PublicKey.ToProtobuf();
            BinaryPrimitives.WriteUInt32BigEndian(number, (uint)key.Length);
            buffer.Write(number[..4]);
            buffer.Write(key);
            BinaryPrimitives.WriteUInt64BigEndian(number, v.Power);
            buffer.Write(number);
        }
        return buffer.ToArray();
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
