namespace Cerebrum.Core.Gateway;

/// <summary>
/// A gateway's sampled second runs (config section <c>Gateway:SecondRuns</c>): a share of the requests it answered is run
/// again on another eligible node, paid like any request, and when the two outputs differ beyond <see cref="MaxRelativeL2"/>
/// (or below the cosine that bound implies) both node-signed answers are filed as disputes for the validators to re-execute.
/// </summary>
public sealed record SecondRunOptions
{
    /// <summary>The share of answered requests run a second time, in [0, 1]; 0 (the default) turns second runs off.</summary>
    public double Share { get; init; }

    /// <summary>Sampled requests waiting for their second run at most; one more is dropped (and counted), never waited for.</summary>
    public int QueueCapacity { get; init; } = 32;

    /// <summary>Bytes of inputs and outputs the waiting requests hold at most (a bound beside the count, for large tensors).</summary>
    public long MaxQueuedBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// The relative L2 distance between the two outputs above which they disagree. Looser than a validator's calibrated
    /// canary tolerance on purpose: the gateway only decides whether to pay for disputes, the validators' re-execution
    /// decides who was wrong, so honest numeric noise (another execution provider, TF32) must never reach it.
    /// </summary>
    public double MaxRelativeL2 { get; init; } = 1e-2;

    /// <summary>How long a second run may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Disagreements filed per hour at most (each files two disputes, each paying the chain's evidence fee).</summary>
    public int MaxDisputesPerHour { get; init; } = 6;

    /// <summary>The tolerance the two outputs are compared with.</summary>
    public Verification.CanaryTolerance Tolerance => new(MaxRelativeL2, 1 - MaxRelativeL2 * MaxRelativeL2 / 2);

    /// <exception cref="ArgumentException">An invalid value, named.</exception>
    public void Validate()
    {
        if (double.IsNaN(Share) || Share is < 0 or > 1) throw new ArgumentException("Gateway:SecondRuns:Share must be within [0, 1]");
        if (QueueCapacity is < 1 or > 10_000) throw new ArgumentException("Gateway:SecondRuns:QueueCapacity must be within [1, 10000]");
        if (MaxQueuedBytes < 1) throw new ArgumentException("Gateway:SecondRuns:MaxQueuedBytes must be positive");
        if (double.IsNaN(MaxRelativeL2) || MaxRelativeL2 is < Verification.CanaryTolerance.Floor or > 1)
            throw new ArgumentException($"Gateway:SecondRuns:MaxRelativeL2 must be within [{Verification.CanaryTolerance.Floor}, 1]");
        if (Timeout <= TimeSpan.Zero) throw new ArgumentException("Gateway:SecondRuns:Timeout must be positive");
        if (MaxDisputesPerHour < 0) throw new ArgumentException("Gateway:SecondRuns:MaxDisputesPerHour must not be negative");
    }
}
