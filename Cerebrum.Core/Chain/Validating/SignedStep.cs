namespace Cerebrum.Core.Chain.Validating;

/// <summary>A signed consensus step: step 0 = proposal, 1 = prevote, 2 = precommit; ordered by (height, round, step).</summary>
public sealed record SignedStep(long Height, int Round, int Step, byte[] ValueId)
{
    internal SignedStep WithoutValue => new(Height, Round, Step, []);

    /// <summary>Orders by (height, round, step), ignoring the value.</summary>
    public static int Compare(SignedStep a, SignedStep b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var byHeight = a.Height.CompareTo(b.Height);
        if (byHeight != 0) return byHeight;
        var byRound = a.Round.CompareTo(b.Round);
        return byRound != 0 ? byRound : a.Step.CompareTo(b.Step);
    }

    public bool Equals(SignedStep? other) =>
        other is not null && Height == other.Height && Round == other.Round && Step == other.Step && ValueId.AsSpan().SequenceEqual(other.ValueId);

    public override int GetHashCode() => HashCode.Combine(Height, Round, Step, ValueId.Length);
}
