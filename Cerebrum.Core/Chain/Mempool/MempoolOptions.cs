namespace Cerebrum.Core.Chain.Mempool;

/// <summary>Bounds of the pending-transaction pool.</summary>
public sealed record MempoolOptions
{
    public int MaxTransactions { get; init; } = 20_000;

    public long MaxBytes { get; init; } = 64L * 1024 * 1024;

    public void Validate()
    {
        if (MaxTransactions < 1) throw new ArgumentOutOfRangeException(nameof(MaxTransactions), MaxTransactions, "must be at least 1");
        if (MaxBytes < 1024) throw new ArgumentOutOfRangeException(nameof(MaxBytes), MaxBytes, "must be at least 1 KiB");
    }
}
