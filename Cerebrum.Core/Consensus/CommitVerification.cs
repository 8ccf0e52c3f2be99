namespace Cerebrum.Core.Consensus;

/// <summary>The outcome of <see cref="CommitVerifier"/>: <see cref="CommitError.None"/>, or the first problem found and a sentence about it.</summary>
public readonly record struct CommitVerification(CommitError Error, string? Detail)
{
    public static CommitVerification Valid => new(CommitError.None, null);

    public bool IsValid => Error == CommitError.None;

    public override string ToString() => IsValid ? "valid" : $"{Error}: {Detail}";
}
