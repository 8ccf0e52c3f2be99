namespace Cerebrum.Core.Chain;

/// <summary>The outcome of <see cref="ICommitVerifier.Verify"/>: valid, or why not.</summary>
public readonly record struct CommitVerification(bool IsValid, string? Reason)
{
    public static CommitVerification Valid => new(true, null);

    public static CommitVerification Invalid(string reason) => new(false, reason);
}
