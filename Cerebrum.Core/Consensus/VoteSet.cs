namespace Cerebrum.Core.Consensus;

/// <summary>
/// The votes of one type in one round of one height, with the power behind each value id. As in the paper, a
/// validator that equivocates counts for every value it signed (each is a message it sent): dropping its other votes
/// would let it show a polka to some validators and hide it from others, which can stall the network. Safety holds
/// regardless, since faulty power is below 1/3. To bound memory, beyond <see cref="MaxVotesPerValidator"/> distinct
/// votes of a validator only those that can matter are kept: nil, or a value some proposal of the height carries (one
/// proposal per round, rounds bounded). The "2f+1 for anything" tallies count each validator once.
/// </summary>
internal sealed class VoteSet
{
    public const int MaxVotesPerValidator = 4;

    private readonly ValidatorSet _validators;
    private readonly List<SignedVote>?[] _votes;
    private readonly Dictionary<string, long> _powerByValue = [];

    public VoteSet(ValidatorSet validators)
    {
        _validators = validators;
        _votes = new List<SignedVote>?[validators.Count];
    }

    /// <summary>Power of all validators that voted, whatever for, each counted once.</summary>
    public long TotalPower { get; private set; }

    public enum AddResult
    {
        /// <summary>The validator's first vote.</summary>
        Added,

        Duplicate,

        /// <summary>A second, different vote: counted, and the first is returned as evidence.</summary>
        Conflict,

        /// <summary>A different vote beyond the bound: not counted; the first is returned as evidence.</summary>
        ConflictDropped,
    }

    /// <summary>Adds a verified vote. On a conflict <paramref name="first"/> is the validator's first vote.</summary>
    /// <param name="relevant">The vote is nil or for a proposed value: kept even beyond the bound.</param>
    public AddResult Add(int validatorIndex, SignedVote vote, bool relevant, out SignedVote? first)
    {
        var votes = _votes[validatorIndex];
        first = votes?[0];
        if (votes is not null && votes.Any(v => v.ValueId.Span.SequenceEqual(vote.ValueId.Span)))
            return AddResult.Duplicate;
        if (votes is not null && votes.Count >= MaxVotesPerValidator && !relevant)
            return AddResult.ConflictDropped;
        var power = _validators.Validators[validatorIndex].Power;
        if (votes is null)
        {
            _votes[validatorIndex] = votes = [];
            TotalPower += power;
        }
        votes.Add(vote);
        var key = Key(vote.ValueId.Span);
        _powerByValue[key] = _powerByValue.GetValueOrDefault(key) + power;
        return votes.Count == 1 ? AddResult.Added : AddResult.Conflict;
    }

    /// <summary>True when the validator already has this exact vote (same value id).</summary>
    public bool Contains(int validatorIndex, ReadOnlySpan<byte> valueId)
    {
        var votes = _votes[validatorIndex];
        if (votes is null) return false;
        foreach (var v in votes)
            if (v.ValueId.Span.SequenceEqual(valueId))
                return true;
        return false;
    }

    public long PowerFor(ReadOnlySpan<byte> valueId) => _powerByValue.GetValueOrDefault(Key(valueId));

    /// <summary>2f+1 votes for this value id (empty = nil).</summary>
    public bool HasQuorumFor(ReadOnlySpan<byte> valueId) => _validators.IsQuorum(PowerFor(valueId));

    /// <summary>2f+1 votes for anything ("2f+1 ⟨PREVOTE, h, r, ∗⟩").</summary>
    public bool HasQuorumAny => _validators.IsQuorum(TotalPower);

    /// <summary>The votes for this value id, at most one per validator, in validator order.</summary>
    public IEnumerable<SignedVote> VotesFor(ReadOnlyMemory<byte> valueId)
    {
        foreach (var votes in _votes)
        {
            if (votes is null) continue;
            foreach (var v in votes)
                if (v.ValueId.Span.SequenceEqual(valueId.Span))
                {
                    yield return v;
                    break;
                }
        }
    }

    /// <summary>The validator's first vote.</summary>
    public SignedVote? Get(int validatorIndex) => _votes[validatorIndex]?[0];

    private static string Key(ReadOnlySpan<byte> valueId) => Convert.ToHexString(valueId);
}
