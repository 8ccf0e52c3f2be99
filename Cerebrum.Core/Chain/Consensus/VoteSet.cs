namespace Cerebrum.Core.Chain.Consensus;

/// <summary>The votes of one type in one round of one height: the first vote of each validator, and power per value id.</summary>
internal sealed class VoteSet
{
    private readonly ValidatorSet _validators;
    private readonly SignedVote?[] _votes;
    private readonly Dictionary<string, long> _powerByValue = [];

    public VoteSet(ValidatorSet validators)
    {
        _validators = validators;
        _votes = new SignedVote?[validators.Count];
    }

    /// <summary>Power of all validators that voted, whatever for.</summary>
    public long TotalPower { get; private set; }

    public enum AddResult
    {
        Added,
        Duplicate,
        Conflict,
    }

    /// <summary>Adds a verified vote; a validator's second, different vote is not counted and is returned as <paramref name="existing"/>.</summary>
    public AddResult Add(int validatorIndex, SignedVote vote, out SignedVote? existing)
    {
        existing = _votes[validatorIndex];
        if (existing is not null)
            return existing.ValueId.Span.SequenceEqual(vote.ValueId.Span) ? AddResult.Duplicate : AddResult.Conflict;
        _votes[validatorIndex] = vote;
        var power = _validators.Validators[validatorIndex].Power;
        TotalPower += power;
        var key = Key(vote.ValueId.Span);
        _powerByValue[key] = _powerByValue.GetValueOrDefault(key) + power;
        return AddResult.Added;
    }

    public long PowerFor(ReadOnlySpan<byte> valueId) => _powerByValue.GetValueOrDefault(Key(valueId));

    /// <summary>2f+1 votes for this value id (empty = nil).</summary>
    public bool HasQuorumFor(ReadOnlySpan<byte> valueId) => _validators.IsQuorum(PowerFor(valueId));

    /// <summary>2f+1 votes for anything ("2f+1 ⟨PREVOTE, h, r, ∗⟩").</summary>
    public bool HasQuorumAny => _validators.IsQuorum(TotalPower);

    public IEnumerable<SignedVote> VotesFor(ReadOnlyMemory<byte> valueId)
    {
        foreach (var v in _votes)
            if (v is not null && v.ValueId.Span.SequenceEqual(valueId.Span))
                yield return v;
    }

    public SignedVote? Get(int validatorIndex) => _votes[validatorIndex];

    private static string Key(ReadOnlySpan<byte> valueId) => Convert.ToHexString(valueId);
}
