namespace Cerebrum.Core.Chain.Transactions;

/// <summary>Shared amount checks, each with its precise error.</summary>
internal static class Amounts
{
    public static ChainError? Positive(ulong amount, string what) =>
        amount == 0 ? new ChainError(ChainErrorCode.InvalidAmount, $"{what} must be positive") : null;

    public static ChainError? Covered(ulong available, ulong needed, string what) =>
        available < needed ? new ChainError(ChainErrorCode.InsufficientBalance, $"{what} needs {needed} but the balance is {available}") : null;

    public static ChainError? AddWithoutOverflow(ulong a, ulong b, out ulong sum)
    {
        sum = unchecked(a + b);
        return sum < a ? new ChainError(ChainErrorCode.Overflow, "amount overflows 64 bits") : null;
    }
}
