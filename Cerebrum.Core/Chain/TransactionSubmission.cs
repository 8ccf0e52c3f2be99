namespace Cerebrum.Core.Chain;

/// <summary>The answer to a submitted transaction: accepted into the mempool under its hash, or the precise rejection.</summary>
public sealed record TransactionSubmission(byte[]? Hash, ChainError? Error)
{
    public bool Accepted => Error is null;
}
