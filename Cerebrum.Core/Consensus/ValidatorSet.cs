using System.Buffers.Binary;
using System.Security.Cryptography;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Consensus;

/// <summary>
/// The validators of one height, ordered by peer ID bytes, with Tendermint's proposer priorities: a weighted round
/// robin in which each validator is proposer in proportion to its power, computed identically by every validator.
/// Immutable; <see cref="Next"/> gives the set of the following height. Its canonical encoding (<see cref="Encoded"/>,
/// hashed as <see cref="Hash"/>) covers the members and powers, not the priorities: per validator, u32be key length,
/// the libp2p PublicKey protobuf, u64be power.
/// </summary>
public sealed class ValidatorSet
{
    /// <summary>Keeps power arithmetic (3 × power, priority sums) far from overflow.</summary>
    public const long MaxTotalPower = long.MaxValue / 16;

    private readonly Members _members;
    private readonly long[] _priorities;
    private readonly List<int> _proposers = [];
    private long[]? _roundPriorities;

    private ValidatorSet(Members members, long[] priorities)
    {
        _members = members;
        _priorities = priorities;
    }

    public IReadOnlyList<Validator> Validators => _members.Validators;

    public int Count => _members.Validators.Length;

    public long TotalPower => _members.TotalPower;

    /// <summary>The canonical encoding of the members and their powers (not the priorities).</summary>
    public byte[] Encoded => _members.Encoded;

    /// <summary>SHA-256 of <see cref="Encoded"/>: equal for two sets exactly when their members and powers are.</summary>
    public byte[] Hash => _members.Hash;

    /// <summary>A genesis set: every priority starts at zero.</summary>
    /// <exception cref="ArgumentException">Empty, a duplicate validator, or total power above <see cref="MaxTotalPower"/>.</exception>
    public static ValidatorSet Create(IEnumerable<Validator> validators)
    {
        var members = new Members(validators);
        return new ValidatorSet(members, new long[members.Validators.Length]);
    }

    /// <summary>A set from its <see cref="Encoded"/> form, with fresh (zero) priorities.</summary>
    /// <exception cref="FormatException">Not an encoding of a valid set.</exception>
    public static ValidatorSet Decode(ReadOnlySpan<byte> encoded)
    {
        var validators = new List<Validator>();
        try
        {
            while (!encoded.IsEmpty)
            {
                if (encoded.Length < 4) throw new FormatException("validator set encoding is truncated");
                var length = BinaryPrimitives.ReadUInt32BigEndian(encoded);
                if (length > 1024 || encoded.Length < 4 + (int)length + 8) throw new FormatException("validator set encoding is truncated");
                var key = PublicKey.FromProtobuf(encoded.Slice(4, (int)length));
                var power = BinaryPrimitives.ReadUInt64BigEndian(encoded.Slice(4 + (int)length));
                if (power > long.MaxValue) throw new FormatException($"validator power {power} is out of range");
                validators.Add(new Validator(key, (long)power));
                encoded = encoded[(4 + (int)length + 8)..];
            }
            return Create(validators);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"not a valid validator set: {e.Message}", e);
        }
    }

    /// <summary>
    /// The set with new membership or powers (e.g. after stake changes), keeping the priorities of the validators that
    /// stay; newcomers start at −1.125 × total power so that joining does not make one proposer at once.
    /// </summary>
    public ValidatorSet WithValidators(IEnumerable<Validator> validators)
    {
        var members = new Members(validators);
        var sorted = members.Validators;
        var total = members.TotalPower;
        var priorities = new long[sorted.Length];
        for (var i = 0; i < sorted.Length; i++)
            priorities[i] = _members.IndexById.TryGetValue(sorted[i].PeerId, out var old) ? _priorities[old] : -(total + total / 8);
        RescaleAndCenter(priorities, total);
        return new ValidatorSet(members, priorities);
    }

    /// <summary>The set of the next height: priorities advanced by one proposer selection.</summary>
    public ValidatorSet Next()
    {
        var priorities = (long[])_priorities.Clone();
        IncrementOnce(priorities);
        return new ValidatorSet(_members, priorities);
    }

    public bool TryGetIndex(PeerId id, out int index) => _members.IndexById.TryGetValue(id, out index);

    public Validator? Find(PeerId id) => _members.IndexById.TryGetValue(id, out var i) ? _members.Validators[i] : null;

    /// <summary>proposer(h, round): the validator chosen after round + 1 priority increments from this height's priorities.</summary>
    public Validator GetProposer(int round)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(round);
        lock (_proposers)
        {
            _roundPriorities ??= (long[])_priorities.Clone();
            while (_proposers.Count <= round)
                _proposers.Add(IncrementOnce(_roundPriorities));
            return _members.Validators[_proposers[round]];
        }
    }

    /// <summary>More than two thirds of the total power (the paper's 2f + 1): what a commit needs.</summary>
    public bool IsQuorum(long power) => power * 3 > TotalPower * 2;

    /// <summary>More than one third of the total power (the paper's f + 1): at least one honest validator among them.</summary>
    public bool IsOneThird(long power) => power * 3 > TotalPower;

    private int IncrementOnce(long[] priorities)
    {
        RescaleAndCenter(priorities, TotalPower);
        var validators = _members.Validators;
        var best = 0;
        for (var i = 0; i < priorities.Length; i++)
        {
            priorities[i] += validators[i].Power;
            // Ties go to the lower peer ID: validators are sorted by ID, so the first maximum wins.
            if (priorities[i] > priorities[best]) best = i;
        }
        priorities[best] -= TotalPower;
        return best;
    }

    // Keeps priorities bounded: the spread is scaled down to at most 2 × total power, then the average is moved to 0.
    private static void RescaleAndCenter(long[] priorities, long totalPower)
    {
        if (priorities.Length == 0) return;
        var max = priorities.Max();
        var min = priorities.Min();
        var spread = max - min;
        var limit = 2 * totalPower;
        if (spread > limit)
        {
            var ratio = (spread + limit - 1) / limit;
            for (var i = 0; i < priorities.Length; i++) priorities[i] /= ratio;
        }
        var sum = System.Numerics.BigInteger.Zero;
        foreach (var p in priorities) sum += p;
        var average = (long)System.Numerics.BigInteger.Divide(sum, priorities.Length);
        for (var i = 0; i < priorities.Length; i++) priorities[i] -= average;
    }

    /// <summary>The members and powers, shared by the sets of consecutive heights that only differ in priorities.</summary>
    private sealed class Members
    {
        private byte[]? _encoded;
        private byte[]? _hash;

        public Members(IEnumerable<Validator> validators)
        {
            ArgumentNullException.ThrowIfNull(validators);
            var sorted = validators.ToArray();
            if (sorted.Length == 0) throw new ArgumentException("a validator set needs at least one validator", nameof(validators));
            Array.Sort(sorted, (a, b) => a.PeerId.Bytes.Span.SequenceCompareTo(b.PeerId.Bytes.Span));
            long total = 0;
            IndexById = new Dictionary<PeerId, int>(sorted.Length);
            for (var i = 0; i < sorted.Length; i++)
            {
                if (!IndexById.TryAdd(sorted[i].PeerId, i))
                    throw new ArgumentException($"validator {sorted[i].PeerId} appears twice", nameof(validators));
                total += sorted[i].Power;
                if (total > MaxTotalPower || total < 0)
                    throw new ArgumentException($"total voting power exceeds {MaxTotalPower}", nameof(validators));
            }
            Validators = sorted;
            TotalPower = total;
        }

        public Validator[] Validators { get; }

        public Dictionary<PeerId, int> IndexById { get; }

        public long TotalPower { get; }

        public byte[] Encoded => LazyInitializer.EnsureInitialized(ref _encoded, Encode);

        public byte[] Hash => LazyInitializer.EnsureInitialized(ref _hash, () => SHA256.HashData(Encoded));

        private byte[] Encode()
        {
            using var buffer = new MemoryStream();
            Span<byte> number = stackalloc byte[8];
            foreach (var v in Validators)
            {
                var key = v.PublicKey.ToProtobuf();
                BinaryPrimitives.WriteUInt32BigEndian(number, (uint)key.Length);
                buffer.Write(number[..4]);
                buffer.Write(key);
                BinaryPrimitives.WriteUInt64BigEndian(number, (ulong)v.Power);
                buffer.Write(number);
            }
            return buffer.ToArray();
        }
    }
}
