namespace Cerebrum.Core.Verification;

/// <summary>
/// The validator's recent checks in memory, newest last: at most <see cref="Capacity"/>, the oldest dropped first, so a
/// busy validator's record costs a fixed amount of memory. Thread-safe. Not persisted: the ledger keeps what matters
/// (each validator's latest attestation per node and kind).
/// </summary>
public sealed class ValidatorCheckLog(int capacity = ValidatorCheckLog.DefaultCapacity) : IValidatorCheckLog
{
    public const int DefaultCapacity = 500;

    private readonly Lock _gate = new();
    private readonly Queue<ValidatorCheck> _checks = new();

    public int Capacity => capacity;

    public void Record(ValidatorCheck check)
    {
        lock (_gate)
        {
            if (_checks.Count == capacity) _checks.Dequeue();
            _checks.Enqueue(check);
        }
    }

    /// <summary>The checks kept, oldest first.</summary>
    public IReadOnlyList<ValidatorCheck> Snapshot()
    {
        lock (_gate) return [.. _checks];
    }
}
