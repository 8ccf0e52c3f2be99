using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Consensus;

/// <summary>
/// The validators of one height, ordered by peer ID bytes, with Tendermint's proposer priorities: a weighted round
/// robin in which each validator is proposer in proportion to its power, computed identically by every validator.
/// Immutable; <see cref="Next"/> gives the set of the following height.
/// </summary>
public sealed class ValidatorSet
{
    /// <summary>Keeps power arithmetic (3 × power, priority sums) far from overflow.</summary>
    public const long MaxTotalPower = long.MaxValue / 16;

    private readonly Validator[] _validators;
    private readonly long[] _priorities;
    private readonly Dictionary<PeerId, int> _indexById;
    private readonly List<int> _proposers = [];
    private long[]? _roundPriorities;

    private ValidatorSet(Validator[] validators, long[] priorities)
    {
        _validators = validators;
        _priorities = priorities;
        _indexById = new Dictionary<PeerId, int>(validators.Length);
        for (var i = 0; i < validators.Length; i++)
            _indexById.Add(validators[i].Id, i);
        TotalPower = validators.Sum(v => v.Power);
    }

    public IReadOnlyList<Validator> Validators => _validators;

    public int Count => _validators.Length;

    public long TotalPower { get; }

    /// <summary>A genesis set: every priority starts at zero.</summary>
    /// <exception cref="ArgumentException">Empty, a duplicate validator, or total power above <see cref="MaxTotalPower"/>.</exception>
    public static ValidatorSet Create(IEnumerable<Validator> validators)
    {
        var sorted = Sorted(validators);
        return new ValidatorSet(sorted, new long[sorted.Length]);
    }

    /// <summary>
    /// The set with new membership or powers (e.g. after stake changes), keeping the priorities of the validators that
    /// stay; newcomers start at −1.125 × total power so that joining does not make one proposer at once.
    /// </summary>
    public ValidatorSet WithValidators(IEnumerable<Validator> validators)
    {
        var sorted = Sorted(validators);
        var total = sorted.Sum(v => v.Power);
        var priorities = new long[sorted.Length];
        for (var i = 0; i < sorted.Length; i++)
            priorities[i] = _indexById.TryGetValue(sorted[i].Id, out var old) ? _priorities[old] : -(total + total / 8);
        var set = new ValidatorSet(sorted, priorities);
        RescaleAndCenter(set._priorities, total);
        return set;
    }

    /// <summary>The set of the next height: priorities advanced by one proposer selection.</summary>
    public ValidatorSet Next()
    {
        var priorities = (long[])_priorities.Clone();
        IncrementOnce(priorities);
        return new ValidatorSet(_validators, priorities);
    }

    public bool TryGetIndex(PeerId id, out int index) => _indexById.TryGetValue(id, out index);

    public Validator? Find(PeerId id) => _indexById.TryGetValue(id, out var i) ? _validators[i] : null;

    /// <summary>proposer(h, round): the validator chosen after round + 1 priority increments from this height's priorities.</summary>
    public Validator GetProposer(int round)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(round);
        lock (_proposers)
        {
            _roundPriorities ??= (long[])_priorities.Clone();
            while (_proposers.Count <= round)
                _proposers.Add(IncrementOnce(_roundPriorities));
            return _validators[_proposers[round]];
        }
    }

    /// <summary>More than two thirds of the total power (the paper's 2f + 1).</summary>
    public bool IsQuorum(long power) => power * 3 > TotalPower * 2;

    /// <summary>More than one third of the total power (the paper's f + 1): at least one honest validator among them.</summary>
    public bool IsOneThird(long power) => power * 3 > TotalPower;

    private int IncrementOnce(long[] priorities)
    {
        RescaleAndCenter(priorities, TotalPower);
        var best = 0;
        for (var i = 0; i < priorities.Length; i++)
        {
            priorities[i] += _validators[i].Power;
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

    private static Validator[] Sorted(IEnumerable<Validator> validators)
    {
        ArgumentNullException.ThrowIfNull(validators);
        var sorted = validators.ToArray();
        if (sorted.Length == 0) throw new ArgumentException("a validator set needs at least one validator", nameof(validators));
        Array.Sort(sorted, (a, b) => a.Id.Bytes.Span.SequenceCompareTo(b.Id.Bytes.Span));
        long total = 0;
        for (var i = 0; i < sorted.Length; i++)
        {
            if (i > 0 && sorted[i].Id == sorted[i - 1].Id)
                throw new ArgumentException($"validator {sorted[i].Id} appears twice", nameof(validators));
            total += sorted[i].Power;
            if (total > MaxTotalPower || total < 0)
                throw new ArgumentException($"total voting power exceeds {MaxTotalPower}", nameof(validators));
        }
        return sorted;
    }
}
