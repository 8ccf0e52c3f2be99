namespace Cerebrum.Core.Inference.Protocol;

/// <summary>How many bytes of inference jobs a node holds in flight (see <see cref="InferByteBudget"/>).</summary>
/// <param name="MaxBytes">All peers together.</param>
/// <param name="MaxBytesPerPeer">One peer, over all its streams; also the largest single job (request plus predicted outputs).</param>
public sealed record InferBudgetOptions(long MaxBytes = InferBudgetOptions.DefaultMaxBytes, long MaxBytesPerPeer = InferBudgetOptions.DefaultMaxBytesPerPeer)
{
    /// <summary>1 GiB.</summary>
    public const long DefaultMaxBytes = 1L << 30;

    /// <summary>256 MiB: one largest job (64 MiB of inputs and 128 MiB of outputs) with room to spare.</summary>
    public const long DefaultMaxBytesPerPeer = 256L << 20;

    public static InferBudgetOptions Default { get; } = new();

    /// <exception cref="ArgumentException">A value out of range, naming it.</exception>
    public void Validate()
    {
        if (MaxBytes < 1) throw new ArgumentException($"MaxBytesInFlight must be positive, not {MaxBytes}");
        if (MaxBytesPerPeer < 1 || MaxBytesPerPeer > MaxBytes)
            throw new ArgumentException($"MaxBytesInFlightPerPeer must be 1..MaxBytesInFlight ({MaxBytes}), not {MaxBytesPerPeer}");
    }
}
